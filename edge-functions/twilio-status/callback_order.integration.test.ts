// Twilio neither orders nor retries status callbacks, so the order the four progress callbacks of a connected call
// (initiated, ringing, in-progress, completed) arrive in, and a repeated one, must never change what the call is
// charged. Every permutation, without and with one callback repeated, goes through the real status function with
// signed requests against a credits call whose relay recorded usage; each ends with the same status, duration,
// charge and ledger, and the ledger checks stay clean.
import assert from 'node:assert/strict';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { createUser, testPool } from '../_shared/testing.ts';
import { handleTwilioStatus } from './handler.ts';

const db = testPool();
const TOKEN = 'callback-order-token';
const PUBLIC = 'https://api.callmeback.test';
const deps = { db, publicApiUrl: PUBLIC, authTokens: [TOKEN] };
const opts = { sanitizeResources: false, sanitizeOps: false };
const BRAD = 'a0000000-0000-4000-8000-000000000001';
const HOLD = 60;
const DURATION = 95;

type Callback = Record<string, string>;

function signed(params: Callback): Request {
  const url = `${PUBLIC}/functions/v1/twilio-status`;
  return new Request('http://127.0.0.1:9999/twilio-status', {
    method: 'POST',
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, url, params) }
  });
}

function progress(callSid: string): Callback[] {
  return [
    { CallSid: callSid, CallStatus: 'initiated', SequenceNumber: '0' },
    { CallSid: callSid, CallStatus: 'ringing', SequenceNumber: '1' },
    { CallSid: callSid, CallStatus: 'in-progress', SequenceNumber: '2' },
    { CallSid: callSid, CallStatus: 'completed', SequenceNumber: '3', CallDuration: String(DURATION) }
  ];
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** A phone call paid with credits, placed (held), whose relay talked and reported its media over. */
async function connectedCall(): Promise<{ userId: string; callId: string; callSid: string }> {
  const user = await createUser(db, 'order', { verifiedNumber: true });
  const callSid = `CA${crypto.randomUUID().replace(/-/g, '')}`;
  const r = await db.query<{ id: string }>(
    `insert into public.calls (user_id, persona_id, mode, phone_number, payment_method, max_duration_seconds, twilio_call_sid, status)
     values ($1, $2, 'phone', '+14155550100', 'credits', 300, $3, 'queued') returning id`, [user.id, BRAD, callSid]);
  const callId = r.rows[0]!.id;
  await db.query('select private.reserve_call_credits($1, $2, $3, $4)', [user.id, callId, HOLD, `reserve:${callId}`]);
  const usage = [
    { key: `${callId}:stt`, service: 'deepgram', usage: 'stt_seconds', quantity: DURATION, model: 'nova-3' },
    { key: `${callId}:tts`, service: 'elevenlabs', usage: 'tts_characters', quantity: 600, model: 'eleven_flash_v2_5' },
    { key: `${callId}:in`, service: 'cerebras', usage: 'llm_input_tokens', quantity: 9000, model: 'llama-3.3-70b' },
    { key: `${callId}:out`, service: 'cerebras', usage: 'llm_output_tokens', quantity: 150, model: 'llama-3.3-70b' }
  ];
  const rec = await db.query<{ unpriced: number }>('select unpriced from private.record_usage($1, $2::jsonb, $3)', [callId, JSON.stringify(usage), DURATION]);
  assert.equal(rec.rows[0]!.unpriced, 0, 'every usage report is priced');
  await db.query(`update public.calls set media_ended_at = now(), media_end_reason = 'persona_hung_up' where id = $1`, [callId]);
  return { userId: user.id, callId, callSid };
}

interface Outcome {
  status: string;
  end_reason: string;
  duration_seconds: number;
  payment_status: string;
  actual_cost_cents: number;
  ledger: [string, number][];
  balance: { available: number; reserved: number };
}

async function outcomeOf(userId: string, callId: string): Promise<Outcome> {
  const c = (await db.query('select status, end_reason, duration_seconds, payment_status, actual_cost_cents from public.calls where id = $1', [callId])).rows[0];
  const ledger = (await db.query<{ type: string; amount: string }>(
    `select type, amount from public.credit_transactions where user_id = $1 and type <> 'signup_grant' order by id`, [userId])).rows;
  const b = (await db.query('select available_credits::int as available, reserved_credits::int as reserved from public.user_credits where user_id = $1', [userId])).rows[0];
  return { ...c, ledger: ledger.map((l) => [l.type, Number(l.amount)]), balance: b } as Outcome;
}

const orders = permutations([0, 1, 2, 3]);
const runs = [
  ...orders.map((o) => ({ name: o.join(''), order: o })),
  // Each order again with one callback delivered twice (the repeated one cycles through all four).
  ...orders.map((o, i) => ({ name: `${o.join('')}+${o[i % 4]}`, order: [...o.slice(0, 2), o[i % 4]!, ...o.slice(2)] }))
];

Deno.test({ ...opts, name: 'every order of the four status callbacks, with and without a repeat, charges a connected call the same', fn: async () => {
  assert.equal(orders.length, 24);
  const outcomes = new Map<string, Outcome>();
  for (const run of runs) {
    const { userId, callId, callSid } = await connectedCall();
    const callbacks = progress(callSid);
    for (const i of run.order) {
      const res = await handleTwilioStatus(signed(callbacks[i]!), deps);
      assert.equal(res.status, 200, `order ${run.name}: callback ${i} answered ${res.status}`);
      await res.body?.cancel();
    }
    outcomes.set(run.name, await outcomeOf(userId, callId));
  }
  const first = outcomes.get('0123')!;
  // The in-order call is charged its usage and Twilio's minutes, within the hold.
  assert.equal(first.status, 'completed');
  assert.equal(first.payment_status, 'settled');
  assert.equal(first.duration_seconds, DURATION);
  assert.ok(first.actual_cost_cents > 0 && first.actual_cost_cents <= HOLD, `charged ${first.actual_cost_cents}`);
  assert.deepEqual(first.ledger, [['reservation', -HOLD], ['settlement', HOLD - first.actual_cost_cents]]);
  const differing = [...outcomes].filter(([, o]) => JSON.stringify(o) !== JSON.stringify(first)).map(([name, o]) => `${name}: ${JSON.stringify(o)}`);
  assert.deepEqual(differing, [], `expected every order to end as 0123 did: ${JSON.stringify(first)}`);
  assert.equal(outcomes.size, 48);
  const violations = await db.query('select * from private.ledger_violations()');
  assert.deepEqual(violations.rows, []);
}});

Deno.test({ ...opts, name: 'close the pool', fn: async () => { await db.end(); } });
