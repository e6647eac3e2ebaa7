// Money under random concurrent use, end to end: 32 clients each place phone calls through calls-create (real
// allowance, reservation and Twilio stand-in), cancel some, change their budgets while calls run, while prices change
// under them (service_rates rows with effective_from). Each connected call's usage is reported the way the relay
// reports it (PgCallStore.recordUsage, i.e. private.record_usage, through the relay's UsageBudgetGuard) on a virtual
// clock, and its status callbacks arrive signed as Twilio signs them, replayed and out of order. Afterwards:
// every in-call cut-off landed at its cut-off point within a cent, no time limit ended a call whose money was not
// spent, the ledger has no violations, and every cent of each balance is explained by the ledger and each call's charge
// by its events. The seed is printed: MONEY_SEED=<seed> replays the same random choices.
import { randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCharge } from '../../../media-relay/src/call_store.ts';
import { PgCallStore } from '../../../media-relay/src/pg_call_store.ts';
import { UsageBudgetGuard } from '../../../media-relay/src/usage_budget_guard.ts';
import { stackStatus } from '../stack.ts';
import { stack, uniqueEmail } from '../testing/stack_env.ts';
import { postSigned } from '../vendors/twilio/callbacks.ts';
import { freshNumber } from '../testing/fresh_number.ts';
import { mulberry32 } from '../testing/prng.ts';

const CLIENTS = 32;
const ROUNDS = 3;
const BRAD = 'a0000000-0000-4000-8000-000000000001';
// The stand-in's fictional number that fails before anyone answers: calls that never connect.
const FAILS = '+12025550112';
const REFUSALS = new Set(['budget_exceeded_per_call', 'budget_exceeded_monthly', 'insufficient_credits', 'conflict', 'rate_limited']);
// On 2 shared cores the gateway's 5 s limit can end a request while the stand-ins are busy (each answered call makes
// the simulated callee speak). Such a request counts as refused; the books must balance whatever it left behind.
const OVERLOADED = 'internal_error';

interface Client {
  index: number;
  sb: SupabaseClient;
  userId: string;
  answered: string;
  fails: string;
}

interface CallOutcome {
  callId: string;
  userId: string;
  reason: string;
  requestedSeconds: number | null;
  maxSeconds: number;
  cutoffAtEnd: number | null;
  chargeAtEnd: number;
  seconds: number;
}

const status = stackStatus();
const AUTH_TOKEN = String(status.TWILIO_AUTH_TOKEN);
const ACCOUNT_SID = String(status.TWILIO_ACCOUNT_SID);
const STATUS_URL = `${stack.apiUrl}/functions/v1/twilio-status`;

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const STT_MODEL = 'zz-money-random-stt';
const TTS_MODEL = 'zz-money-random-tts';
/** The test's own rate keys, each copied from the real row it stands for. */
const TEST_RATE_KEYS: Record<string, string> = { [STT_MODEL]: 'nova-3_streaming', [TTS_MODEL]: 'eleven_flash_v2_5' };

describe('money under random concurrent calls', () => {
  const db = new pg.Pool({ connectionString: stack.dbUrl, max: 8 });
  const store = new PgCallStore(stack.dbUrl, () => undefined);
  // A fixed seed by default, so every run of the suite makes the same choices; MONEY_SEED explores others.
  const seed = Number(process.env.MONEY_SEED ?? 174289);
  const clients: Client[] = [];
  // Holds each answered call's media stream open until the test hangs it up, standing in for the relay's socket.
  const lines = new Map<string, WebSocket>();
  let wss: WebSocketServer;

  beforeAll(async () => {
    // The prices this test changes are its own: rows for models only its calls name (a model's own row wins in
    // private.current_rate; the keys sort after the real ones, so nothing else picks them), copied from the real
    // rows. Suites running beside it keep the seed's prices.
    for (const [key, from] of Object.entries(TEST_RATE_KEYS)) {
      await db.query(
        `insert into public.service_rates (service, rate_key, unit, unit_price_usd, markup_percent, effective_from, source_url, notes)
         select service, $1, unit, unit_price_usd, markup_percent,
                -- a minute back, but never into the rows an earlier run of this test left (prices never overlap)
                greatest(now() - interval '1 minute', coalesce((select max(p.effective_to) from public.service_rates p where p.rate_key = $1), '-infinity')),
                source_url,
                'Test price of the random money test (' || rate_key || ')' from public.service_rates
          where rate_key = $2 and effective_to is null`, [key, from]);
    }
    const port = Number(new URL(String(status.RELAY_URL)).port);
    wss = new WebSocketServer({ port, host: '127.0.0.1' });
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { event: string; start?: { callSid: string } };
        if (msg.event === 'start' && msg.start) lines.set(msg.start.callSid, ws);
      });
    });
    let numbers: Promise<void> = Promise.resolve();
    for (let i = 0; i < CLIENTS; i += 8) {
      await Promise.all(Array.from({ length: Math.min(8, CLIENTS - i) }, async (_, k) => {
        const index = i + k;
        const sb = createClient(stack.apiUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
        const { data, error } = await sb.auth.signUp({ email: uniqueEmail(`money-${index}`), password: 'money-random-password' });
        if (error) throw error;
        const userId = data.user!.id;
        const insert = (n: string) => db.query<{ id: string }>(
          `insert into public.user_phone_numbers (user_id, phone_number, country_code) values ($1, $2, 'US') returning id`, [userId, n]);
        // A number that never earned the starting credits (a number earns them once, ever), taken one client at a
        // time so two clients never draw the same one.
        const taking = numbers.then(async () => (await insert(await freshNumber(db))).rows[0]!.id);
        numbers = taking.then(() => undefined, () => undefined);
        const answered = await taking;
        const fails = (await insert(FAILS)).rows[0]!.id;
        clients.push({ index, sb, userId, answered, fails });
      }));
    }
  }, 120_000);

  afterAll(async () => {
    await db.query('update public.service_rates set effective_to = now() where rate_key = any($1::text[]) and effective_to is null', [Object.keys(TEST_RATE_KEYS)]);
    for (const ws of lines.values()) ws.terminate();
    if (wss) await new Promise<void>((r) => wss.close(() => r()));
    if (clients.length) await db.query('delete from auth.users where id = any($1::uuid[])', [clients.map((c) => c.userId)]);
    await store.close();
    await db.end();
  });

  it(`keeps every cent explained with ${CLIENTS} clients x ${ROUNDS} random calls (seed ${seed}; MONEY_SEED=${seed} replays it)`, async () => {
    console.log(`money random test seed: ${seed} (MONEY_SEED=${seed} replays the same choices)`);
    const outcomes: CallOutcome[] = [];
    const codes = new Map<string, number>();
    const unexpected: string[] = [];
    const count = (k: string) => codes.set(k, (codes.get(k) ?? 0) + 1);

    async function signedCallback(sid: string, callStatus: string, seq: number, duration?: number): Promise<void> {
      const params: Record<string, string> = { AccountSid: ACCOUNT_SID, CallSid: sid, CallStatus: callStatus, SequenceNumber: String(seq) };
      if (duration !== undefined) params.CallDuration = String(duration);
      const res = await postSigned(STATUS_URL, params, AUTH_TOKEN);
      if (res.status !== 200) unexpected.push(`status callback ${callStatus} answered ${res.status}`);
      await res.body?.cancel();
    }

    async function priceChange(rand: () => number): Promise<void> {
      const key = rand() < 0.5 ? STT_MODEL : TTS_MODEL;
      const c = await db.connect();
      try {
        await c.query('begin');
        // Prices only rise here: a call's time limit is fixed when it is placed, from the prices then, so a price that
        // drops mid-call rightly ends a call at its time limit with money left, which the cut-off check below excludes.
        const cur = await c.query<{ unit_price_usd: string; markup_percent: string; service: string; unit: string; source_url: string; notes: string }>(
          `update public.service_rates set effective_to = now() where rate_key = $1 and effective_to is null and effective_from < now()
           returning service, unit, unit_price_usd::text, markup_percent::text, source_url, notes`, [key]);
        const old = cur.rows[0];
        if (old) {
          await c.query(
            `insert into public.service_rates (service, rate_key, unit, unit_price_usd, markup_percent, effective_from, source_url, notes)
             values ($1, $2, $3, $4, $5, now(), $6, $7)`,
            [old.service, key, old.unit, (Number(old.unit_price_usd) * (1 + rand() * 0.6)).toFixed(12), Number(old.markup_percent) + Math.floor(rand() * 30), old.source_url, old.notes]);
        }
        await c.query('commit');
        count('price_changed');
      } catch (err) {
        await c.query('rollback');
        throw err;
      } finally {
        c.release();
      }
    }

    async function budgetChange(client: Client, rand: () => number): Promise<void> {
      const perCall = 4 + Math.floor(rand() * 40);
      const monthly = perCall + Math.floor(rand() * 200);
      await db.query(
        `update public.user_budget_settings set max_cost_per_call_cents = $2, max_monthly_spend_cents = $3, enable_auto_cutoff = $4,
                warn_at_percent_per_call = $5 where user_id = $1`,
        [client.userId, perCall, monthly, rand() < 0.8, 50 + Math.floor(rand() * 50)]);
      count('budget_changed');
    }

    /** The relay's side of a connected call, on a virtual clock: usage reported through the guard until it ends. */
    async function converse(callId: string, rand: () => number, client: Client): Promise<Omit<CallOutcome, 'callId' | 'userId' | 'requestedSeconds'> | null> {
      const call = await store.loadCall(callId);
      if (!call) return null;
      const guard = new UsageBudgetGuard({ call, streamSid: `MZ${randomUUID().replace(/-/g, '')}`, store, metrics: { error: () => undefined }, log: () => undefined });
      const flushEvery = 1 + Math.floor(rand() * 2);
      const hangupChance = rand() < 0.3 ? 0.01 : 0;
      let reason = 'time_limit';
      let atCutoff: RunningCharge | null = null;
      let t = 0;
      while (t < call.maxDurationSeconds) {
        t++;
        guard.record('deepgram', 'stt_seconds', 1, STT_MODEL);
        if (rand() < 0.5) guard.record('elevenlabs', 'tts_characters', Math.floor(rand() * 30), TTS_MODEL);
        if (rand() < 0.1) {
          guard.record('cerebras', 'llm_input_tokens', 1000 + Math.floor(rand() * 1000), 'gpt-oss-120b');
          guard.record('cerebras', 'llm_output_tokens', 10 + Math.floor(rand() * 40), 'gpt-oss-120b');
        }
        if (t % flushEvery === 0) await guard.flush(t);
        if (rand() < 0.005) await budgetChange(client, rand); // a limit changed while the call runs
        const verdict = guard.check(t * 1000);
        if (verdict?.type === 'budget_exhausted') {
          reason = 'budget_exhausted';
          atCutoff = { ...guard.running };
          break;
        }
        if (rand() < hangupChance) {
          reason = 'user_hung_up';
          break;
        }
      }
      await guard.flush(t);
      const atEnd = atCutoff ?? guard.running;
      await store.finishCall(callId, reason as 'time_limit', t);
      return { reason, maxSeconds: call.maxDurationSeconds, cutoffAtEnd: atEnd.cutoffCents, chargeAtEnd: atEnd.chargeCents, seconds: t };
    }

    async function oneCall(client: Client, rand: () => number): Promise<void> {
      const neverAnswers = rand() < 0.2;
      const minutes = rand() < 0.5 ? null : 1 + Math.floor(rand() * 4);
      const created = await client.sb.functions.invoke('calls-create', {
        body: {
          persona_id: BRAD, mode: 'phone', phone_number_id: neverAnswers ? client.fails : client.answered,
          payment_method: rand() < 0.85 ? 'credits' : 'demo', ...(minutes ? { max_duration_minutes: minutes } : {})
        },
        headers: { 'x-forwarded-for': `10.77.${client.index}.1` }
      });
      if (created.error) {
        const body = (await created.error.context?.json?.().catch(() => null)) as { error?: { code?: string } } | null;
        const code = body?.error?.code ?? 'unknown';
        count(code);
        if (!REFUSALS.has(code) && code !== OVERLOADED) unexpected.push(`calls-create refused with ${code}`);
        return;
      }
      const { call_id: callId } = created.data as { call_id: string };
      count('placed');
      const sidRow = await until('the CallSid', () => db.query<{ sid: string | null }>('select twilio_call_sid as sid from public.calls where id = $1', [callId]).then((r) => r.rows[0]!.sid), (s) => s !== null);
      const sid = sidRow!;
      if (!neverAnswers && rand() < 0.15) {
        const cancel = await client.sb.functions.invoke('calls-cancel', { body: { call_id: callId } });
        const code = cancel.error ? ((await cancel.error.context?.json?.().catch(() => null)) as { error?: { code?: string } } | null)?.error?.code : 'canceled';
        if (code !== 'canceled' && code !== OVERLOADED) unexpected.push(`calls-cancel failed with ${code}`);
        count(code === 'canceled' ? 'canceled' : `cancel_${code}`);
      }
      const row = await until('the call to be answered or to end', () => db.query<{ status: string }>('select status from public.calls where id = $1', [callId]).then((r) => r.rows[0]!.status),
        (s) => ['in_progress', 'completed', 'busy', 'no_answer', 'failed', 'canceled'].includes(s));
      let outcome: Omit<CallOutcome, 'callId' | 'userId' | 'requestedSeconds'> | null = null;
      if (row === 'in_progress') outcome = await converse(callId, rand, client);
      // Twilio's word on the call, signed, with replays and stale callbacks in random order; then the line drops.
      const callbacks: (() => Promise<void>)[] = [
        () => signedCallback(sid, 'completed', 60, outcome ? undefined : 0),
        () => signedCallback(sid, 'ringing', 2),
        () => signedCallback(sid, 'in-progress', 3)
      ];
      if (outcome) callbacks[0] = () => signedCallback(sid, 'completed', 60, outcome.seconds);
      for (let i = callbacks.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [callbacks[i], callbacks[j]] = [callbacks[j]!, callbacks[i]!];
      }
      for (const cb of callbacks) await cb();
      await callbacks[Math.floor(rand() * callbacks.length)]!(); // a replay
      // A call answered and hung up before the conversation started still had a stream: the relay reports its end.
      if (!outcome) await store.finishCall(callId, 'user_hung_up', 0);
      lines.get(sid)?.close();
      const settled = await until('settlement', () => db.query<{ payment_status: string }>('select payment_status from public.calls where id = $1', [callId]).then((r) => r.rows[0]!.payment_status),
        (p) => ['settled', 'released', 'failed'].includes(p), 20_000);
      count(`payment_${settled}`);
      if (outcome) outcomes.push({ callId, userId: client.userId, requestedSeconds: minutes ? minutes * 60 : null, ...outcome });
    }

    await Promise.all(clients.map(async (client) => {
      const rand = mulberry32(seed * 1000 + client.index);
      await new Promise((r) => setTimeout(r, client.index * 150)); // not all 32 in the same instant
      for (let round = 0; round < ROUNDS; round++) {
        if (client.index === 0 && rand() < 0.7) await priceChange(rand);
        if (rand() < 0.3) await budgetChange(client, rand);
        await oneCall(client, rand).catch((err: Error) => unexpected.push(`client ${client.index}: ${err.message}`));
      }
    }));
    console.log('money random test outcomes:', Object.fromEntries([...codes].sort()),
      'in-call ends:', outcomes.reduce<Record<string, number>>((m, o) => ({ ...m, [o.reason]: (m[o.reason] ?? 0) + 1 }), {}));

    expect(unexpected).toEqual([]);
    expect(codes.get('placed') ?? 0).toBeGreaterThan(CLIENTS / 2);

    // Every in-call cut-off landed at its cut-off point within a cent, and the call was charged that (at most its hold).
    const calls = new Map((await db.query<{ id: string; actual_cost_cents: number; hold: number; payment_method: string; payment_status: string; events_cents: string }>(
      `select c.id, c.actual_cost_cents, case when c.payment_method = 'credits' then c.reserved_credits else c.estimated_cost_cents end as hold,
              c.payment_method, c.payment_status,
              coalesce((select sum(e.calculated_cost_cents) from public.call_cost_events e where e.call_id = c.id), 0)::text as events_cents
         from public.calls c where c.user_id = any($1::uuid[])`, [clients.map((c) => c.userId)])).rows.map((r) => [r.id, r]));
    for (const o of outcomes) {
      const c = calls.get(o.callId)!;
      if (o.reason === 'budget_exhausted') {
        expect(o.cutoffAtEnd, `cut-off point of ${o.callId}`).not.toBeNull();
        expect(o.chargeAtEnd, `running charge of ${o.callId} at its cut-off`).toBeGreaterThanOrEqual(o.cutoffAtEnd!);
        expect(Number(c.events_cents), `final charge of ${o.callId} against its cut-off ${o.cutoffAtEnd}`).toBeGreaterThanOrEqual(o.cutoffAtEnd! - 1);
      }
      // The time limit ends a call only when it is the length the user asked for, or the money is spent (within a cent):
      // never a limit derived from a typical call's rate while most of the budget is left.
      if (o.reason === 'time_limit' && o.maxSeconds !== o.requestedSeconds && o.cutoffAtEnd !== null) {
        expect(o.chargeAtEnd, `charge of ${o.callId} when its ${o.maxSeconds} s time limit ended it (cut-off ${o.cutoffAtEnd})`).toBeGreaterThanOrEqual(o.cutoffAtEnd - 1);
      }
    }

    // Each call's charge is its events' calculated_cost_cents, rounded up once, capped by its hold.
    for (const c of calls.values()) {
      const events = Math.ceil(Number(c.events_cents) - 1e-9);
      if (c.payment_method === 'credits' && c.payment_status === 'settled') expect(c.actual_cost_cents, `charge of ${c.id}`).toBe(Math.min(events, c.hold));
      if (c.payment_status === 'released') expect(c.actual_cost_cents ?? 0, `released ${c.id}`).toBe(0);
      if (c.payment_method === 'demo' && c.payment_status === 'settled') expect(c.actual_cost_cents, `demo ${c.id}`).toBe(events);
    }

    // The books: no violations, and each balance is the sign-up grant less what its settled calls were charged.
    expect((await db.query('select * from private.ledger_violations()')).rows).toEqual([]);
    const balances = await db.query<{ user_id: string; available: number; ledger: number; charged: number; open: number }>(
      `select u.user_id, u.available_credits::int as available,
              (select coalesce(sum(t.amount), 0) from public.credit_transactions t where t.user_id = u.user_id)::int as ledger,
              (select coalesce(sum(c.actual_cost_cents), 0) from public.calls c
                where c.user_id = u.user_id and c.payment_method = 'credits' and c.payment_status = 'settled')::int as charged,
              (select coalesce(sum(c.reserved_credits), 0) from public.calls c
                where c.user_id = u.user_id and c.payment_method = 'credits' and c.payment_status = 'reserved')::int as open
         from public.user_credits u where u.user_id = any($1::uuid[])`, [clients.map((c) => c.userId)]);
    for (const b of balances.rows) {
      expect(b.available, `balance of ${b.user_id} against its ledger lines`).toBe(b.ledger);
      expect(b.available, `balance of ${b.user_id}: 500 signed up, less settled charges and open holds`).toBe(500 - b.charged - b.open);
    }
  }, 180_000);
});
