// The product's promise in demo mode, through every real part: a user signs up (Auth), verifies a number (function +
// Twilio Verify stand-in), asks Brad to call (calls-create → ledger reservation → Twilio stand-in), the simulated
// callee answers (TwiML function → media relay → STT/LLM/TTS stand-ins), the call ends and is settled exactly once.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRelay } from '../testing/relay_process.ts';
import { BRAD, signedInUserWithNumber, waitForPayment } from '../testing/demo_calls.ts';
import { stack } from '../testing/stack_env.ts';

const TWILIO = stack.twilioApiBase;
let relay: { stop: () => Promise<void> };
const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });

beforeAll(async () => {
  relay = await ensureRelay();
});

afterAll(async () => {
  await relay.stop();
  await db.end();
});

describe('a demo call from calls-create to settled', () => {
  it('rings, talks, ends and charges the actual cost once, releasing the rest', { timeout: 120_000 }, async () => {
    const u = await signedInUserWithNumber('demo-call');
    const created = await u.sb.functions.invoke('calls-create', {
      body: { persona_id: BRAD, mode: 'phone', phone_number_id: u.phoneId, payment_method: 'credits', max_duration_minutes: 2 }
    });
    expect(created.error).toBeNull();
    const callId = created.data.call_id as string;
    const reserved = created.data.reserved_credits as number;
    expect(reserved).toBeGreaterThan(0);

    // The owner sees the call through RLS while it runs; the row moves forward to in_progress.
    const { data: live } = await u.sb.from('calls').select('id, status').eq('id', callId).single();
    expect(live?.id).toBe(callId);

    const call = await waitForPayment(db, callId);
    expect(call.status).toBe('completed');
    expect(call.payment_status).toBe('settled');
    expect(Number(call.duration_seconds)).toBeGreaterThan(5);
    expect(call.end_reason).toBe('persona_hung_up');

    const transcript = (await db.query<{ speaker: string; text: string }>(
      'select speaker, text from public.call_transcript_segments where call_id = $1 order by seq', [callId])).rows;
    expect(transcript[0]?.speaker).toBe('persona');
    expect(transcript.filter((s) => s.speaker === 'user').map((s) => s.text)).toContain('hello who is this');
    expect(transcript.at(-1)?.text.toLowerCase()).toContain('goodbye');

    const services = (await db.query<{ service: string }>('select distinct service from public.call_cost_events where call_id = $1 order by 1', [callId])).rows.map((r) => r.service);
    // The LLM is Cerebras unless a turn's first word was late and the second vendor answered it (a loaded machine
    // can do that); either way every usage is recorded under the vendor that produced it.
    expect(services.filter((s) => s !== 'cerebras' && s !== 'openai')).toEqual(['deepgram', 'elevenlabs', 'twilio']);
    expect(services.filter((s) => s === 'cerebras' || s === 'openai').length).toBeGreaterThan(0);

    const charged = Number(call.actual_cost_cents);
    expect(charged).toBeGreaterThan(0);
    expect(charged).toBeLessThanOrEqual(reserved);
    const ledger = (await db.query<{ type: string; amount: string; balance_after: string }>(
      'select type, amount, balance_after from public.credit_transactions where user_id = $1 order by id', [u.userId])).rows;
    expect(ledger.map((l) => [l.type, Number(l.amount)])).toEqual([
      ['signup_grant', 500], ['reservation', -reserved], ['settlement', reserved - charged]
    ]);
    const credits = (await db.query('select available_credits::int as a, reserved_credits::int as r from public.user_credits where user_id = $1', [u.userId])).rows[0];
    expect(credits).toEqual({ a: 500 - charged, r: 0 });
    // The breakdown the app shows adds up to what the events cost.
    const totals = (await db.query('select (select sum(cost_usd) from public.call_cost_events where call_id = $1)::numeric(20,10) as events, total_usd::numeric(20,10) as breakdown from public.call_cost_breakdowns where call_id = $1', [callId])).rows[0];
    expect(totals.breakdown).toBe(totals.events);
  });

  it('a callee who cuts in mid-sentence stops the persona: the stream is cleared and the turn marked interrupted', { timeout: 120_000 }, async () => {
    const u = await signedInUserWithNumber('demo-call');
    await fetch(`${TWILIO}/devstack/scripts/${encodeURIComponent(u.phone)}`, {
      method: 'PUT',
      body: JSON.stringify({ lines: [{ text: 'Hello? Who is this?', interruptAfterMs: 2000 }, { text: 'Okay, thank you. Goodbye.' }], hangupAfterMs: 1500 })
    });
    const created = await u.sb.functions.invoke('calls-create', {
      body: { persona_id: BRAD, mode: 'phone', phone_number_id: u.phoneId, payment_method: 'demo', max_duration_minutes: 2 }
    });
    expect(created.error).toBeNull();
    const call = await waitForPayment(db, created.data.call_id);
    expect(call.status).toBe('completed');
    const log = ((await (await fetch(`${TWILIO}/devstack/calls/${call.twilio_call_sid}`)).json()) as { log: string[] }).log;
    const cutIn = log.indexOf('callee: Hello? Who is this?');
    expect(cutIn).toBeGreaterThan(-1);
    expect(log.indexOf('stream: clear', cutIn)).toBeGreaterThan(cutIn);
    const transcript = (await db.query<{ speaker: string; text: string; interrupted: boolean }>(
      'select speaker, text, interrupted from public.call_transcript_segments where call_id = $1 order by seq', [call.id])).rows;
    // The greeting's first sentence played before the cut; the transcript keeps what was heard, marked interrupted.
    expect(transcript[0]).toMatchObject({ speaker: 'persona', text: 'Hi, it is Brad.', interrupted: true });
    expect(transcript.filter((t) => t.speaker === 'user').map((t) => t.text)).toContain('hello who is this');
  });

  it('a voicemail gets one short message from the persona, the verdict is kept, and only that is charged', { timeout: 60_000 }, async () => {
    const u = await signedInUserWithNumber('demo-call');
    const machine = await db.query<{ id: string }>(
      `insert into public.user_phone_numbers (user_id, phone_number, country_code) values ($1, '+12025550113', 'US') returning id`, [u.userId]);
    const created = await u.sb.functions.invoke('calls-create', {
      body: { persona_id: BRAD, mode: 'phone', phone_number_id: machine.rows[0]!.id, payment_method: 'credits', max_duration_minutes: 2 }
    });
    expect(created.error).toBeNull();
    const call = await waitForPayment(db, created.data.call_id);
    expect([call.status, call.answered_by, call.payment_status]).toEqual(['completed', 'machine_end_beep', 'settled']);
    // The persona stopped talking to the recording: the stand-in's log has the message, then the call's end.
    const log = ((await (await fetch(`${TWILIO}/devstack/calls/${call.twilio_call_sid}`)).json()) as { log: string[] }).log;
    const said = log.findIndex((l) => /^say: Hi.*Brad from Call Me Back/.test(l));
    expect(said).toBeGreaterThan(-1);
    expect(said).toBeLessThan(log.indexOf('status: completed'));
    expect(Number(call.duration_seconds)).toBeLessThan(20);
    // The owner sees the verdict through RLS.
    const { data: own } = await u.sb.from('calls').select('answered_by').eq('id', created.data.call_id).single();
    expect(own?.answered_by).toBe('machine_end_beep');
  });

  it('a busy number releases the whole reservation and says why', { timeout: 60_000 }, async () => {
    const u = await signedInUserWithNumber('demo-call');
    // Verify the stand-in's "busy" test number for this user directly: it is the outcome under test, not the OTP.
    const busy = await db.query<{ id: string }>(
      `insert into public.user_phone_numbers (user_id, phone_number, country_code) values ($1, '+12025550110', 'US') returning id`, [u.userId]);
    const created = await u.sb.functions.invoke('calls-create', {
      body: { persona_id: BRAD, mode: 'phone', phone_number_id: busy.rows[0]!.id, payment_method: 'credits', max_duration_minutes: 1 }
    });
    expect(created.error).toBeNull();
    const call = await waitForPayment(db, created.data.call_id);
    expect([call.status, call.end_reason, call.payment_status]).toEqual(['busy', 'busy', 'released']);
    const credits = (await db.query('select available_credits::int as a, reserved_credits::int as r from public.user_credits where user_id = $1', [u.userId])).rows[0];
    expect(credits).toEqual({ a: 500, r: 0 });
  });
});
