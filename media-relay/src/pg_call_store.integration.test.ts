// The Postgres CallStore against the devstack database: call context from the real schema, idempotent transcript
// and cost writes, and the media-ended mark settlement waits for.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceUsage } from '../../core/src/pricing.ts';
import { usdToDecimal } from '../../core/src/money.ts';
import { stack, uniqueEmail } from '../../devstack/src/testing/stack_env.ts';
import type { CostEvent } from './call_store.ts';
import { PgCallStore } from './pg_call_store.ts';

const BRAD = 'a0000000-0000-4000-8000-000000000001';

describe('PgCallStore', () => {
  const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
  const store = new PgCallStore(stack.dbUrl, () => undefined);
  const userId = randomUUID();
  const callId = randomUUID();

  beforeAll(async () => {
    await db.query(
      `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
       values ($1, 'authenticated', 'authenticated', $2, now(), '{"provider":"email"}', '{}')`, [userId, uniqueEmail('relay-store')]);
    await db.query(`update public.users set name = 'Dana Example' where id = $1`, [userId]);
    await db.query(
      `insert into public.calls (id, user_id, persona_id, mode, payment_method, max_duration_seconds, custom_instructions, status)
       values ($1, $2, $3, 'browser', 'demo', 300, 'Remind me to water the plants.', 'in_progress')`, [callId, userId, BRAD]);
  });

  afterAll(async () => {
    await db.query('delete from auth.users where id = $1', [userId]);
    await db.end();
    await store.close();
  });

  it('loads the call with its persona, instructions and budget', async () => {
    const call = await store.loadCall(callId);
    expect(call).toMatchObject({ callId, personaName: 'Brad', maxDurationSeconds: 300, budgetCents: 300, warnPercent: 80 });
    expect(call!.systemPrompt).toContain("The user's name is Dana.");
    expect(call!.systemPrompt).toContain('For this call: Remind me to water the plants.');
    expect(await store.loadCall(randomUUID())).toBeNull();
    expect(await store.loadCall('not-a-uuid')).toBeNull();
  });

  it('broadcasts interim text on the call topic', async () => {
    await store.broadcastInterim(callId, { speaker: 'user', text: 'hello the' });
    const r = await db.query(
      `select payload, private from realtime.messages where topic = $1 and event = 'interim' and extension = 'broadcast'`, [`call:${callId}`]);
    expect(r.rows).toEqual([{ payload: { speaker: 'user', text: 'hello the' }, private: false }]);
  });

  it('writes transcript segments once, however often they are flushed', async () => {
    const segs = [
      { callId, seq: 0, speaker: 'persona' as const, text: 'Hi, it is Brad.', startMs: 0, endMs: 900, interrupted: false },
      { callId, seq: 1, speaker: 'user' as const, text: 'who is this', startMs: 1500, endMs: 2300, interrupted: false }
    ];
    await store.saveTranscript(segs);
    await store.saveTranscript(segs);
    const r = await db.query('select seq, speaker, text from public.call_transcript_segments where call_id = $1 order by seq', [callId]);
    expect(r.rows).toEqual([{ seq: 0, speaker: 'persona', text: 'Hi, it is Brad.' }, { seq: 1, speaker: 'user', text: 'who is this' }]);
  });

  it('writes priced usage once per idempotency key, leaving Twilio minutes to the status callback', async () => {
    const rates = await store.loadRates();
    const ev = (seq: number, service: CostEvent['service'], usage: CostEvent['usage'], quantity: number): CostEvent => {
      const p = priceUsage(rates, { service, usage, quantity });
      return { idempotencyKey: `${callId}:MZ1:${seq}`, callId, service, usage, quantity, billedQuantity: p.billedQuantity,
        costUsd: usdToDecimal(p.costUsd), chargeUsd: usdToDecimal(p.chargeUsd), model: 'm', occurredAt: new Date().toISOString() };
    };
    const events = [
      ev(1, 'cerebras', 'llm_input_tokens', 1200), ev(2, 'cerebras', 'llm_output_tokens', 40),
      ev(3, 'elevenlabs', 'tts_characters', 120), ev(4, 'deepgram', 'stt_seconds', 61.5), ev(5, 'twilio', 'call_seconds', 62)
    ];
    await store.saveCostEvents(events);
    await store.saveCostEvents(events);
    const r = await db.query(
      `select service, event_type, tokens_in, tokens_out, characters, seconds::text, cost_usd::text, rate_id is not null as priced
         from public.call_cost_events where call_id = $1 order by idempotency_key`, [callId]);
    expect(r.rows).toEqual([
      { service: 'cerebras', event_type: 'llm_completion', tokens_in: 1200, tokens_out: 0, characters: null, seconds: null, cost_usd: '0.0010200000', priced: true },
      { service: 'cerebras', event_type: 'llm_completion', tokens_in: 0, tokens_out: 40, characters: null, seconds: null, cost_usd: '0.0000480000', priced: true },
      { service: 'elevenlabs', event_type: 'tts_characters', tokens_in: null, tokens_out: null, characters: 120, seconds: null, cost_usd: '0.0060000000', priced: true },
      { service: 'deepgram', event_type: 'stt_audio', tokens_in: null, tokens_out: null, characters: null, seconds: '61.500', cost_usd: '0.0078925000', priced: true }
    ]);
  });

  it('marks the media as ended; the end reason waits for a final status', async () => {
    await store.finishCall(callId, 'persona_hung_up');
    const r = await db.query('select media_ended_at is not null as ended, end_reason from public.calls where id = $1', [callId]);
    expect(r.rows[0]).toEqual({ ended: true, end_reason: null });
  });
});
