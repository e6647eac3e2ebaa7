// Two relay processes behind one public stream address, against one devstack: what running the relay on several
// instances promises. The functions give Twilio a single RELAY_STREAM_URL, as in production, so the test puts a
// round-robin TCP proxy on that address standing for the load balancer (it skips a relay whose /readyz is not 200,
// as a load balancer's health check does); each relay listens on a port of its own. Two calls placed together land
// one on each relay; one relay is then stopped with SIGTERM while its call is live: it refuses new streams, finishes
// that call and exits; the other relay's call and a call placed during the drain run to their end. Every call is
// transcribed, charged and settled exactly once.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../devstack/src/config.ts';
import { portInUse } from '../../devstack/src/db/cluster.ts';
import { placeCall, signedInUserWithNumber, waitForPayment, type DemoUser } from '../../devstack/src/testing/demo_calls.ts';
import { startRelayProcess, type RelayProcess } from '../../devstack/src/testing/relay_process.ts';
import { startRoundRobinProxy, type RoundRobinProxy } from '../../devstack/src/testing/round_robin_proxy.ts';
import { stack } from '../../devstack/src/testing/stack_env.ts';
import { MediaStreamsTestClient } from './testing/media_streams_client.ts';

const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
let a: RelayProcess;
let b: RelayProcess;
let proxy: RoundRobinProxy;

const admitted = (callId: string) => (r: { msg: string; call_id?: string }) => r.msg === 'relay.stream.admitted' && r.call_id === callId;

/** Which relay admitted the call (waits for it). */
async function relayOf(callId: string): Promise<'a' | 'b'> {
  const cancel = new AbortController();
  const on = (relay: RelayProcess, name: 'a' | 'b') => relay.waitForLog(admitted(callId), { timeoutMs: 90_000, cancel: cancel.signal }).then(() => name);
  const both = [on(a, 'a'), on(b, 'b')];
  try {
    return await Promise.any(both);
  } finally {
    cancel.abort();
    await Promise.allSettled(both);
  }
}

beforeAll(async () => {
  if (await portInUse(config.relayPort)) {
    throw new Error(`port ${config.relayPort} (RELAY_PORT, the functions' RELAY_STREAM_URL) is taken: stop the relay there (npm start) first`);
  }
  [a, b] = await Promise.all([startRelayProcess({ RELAY_PORT: '0' }), startRelayProcess({ RELAY_PORT: '0' })]);
  proxy = await startRoundRobinProxy(config.relayPort, [{ url: a.url }, { url: b.url }]);
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([a?.stop(), b?.stop()]);
  await db.end();
});

async function expectTranscribedChargedAndSettledOnce(u: DemoUser, callId: string, reserved: number): Promise<void> {
  const call = await waitForPayment(db, callId);
  expect([call.status, call.payment_status, call.end_reason]).toEqual(['completed', 'settled', 'persona_hung_up']);
  const transcript = (await db.query<{ speaker: string; text: string }>(
    'select speaker, text from public.call_transcript_segments where call_id = $1 order by seq', [callId])).rows;
  expect(transcript[0]?.speaker).toBe('persona');
  expect(transcript.filter((s) => s.speaker === 'user').map((s) => s.text)).toContain('hello who is this');
  const services = (await db.query<{ service: string }>('select distinct service from public.call_cost_events where call_id = $1 order by 1', [callId])).rows;
  expect(services.map((r) => r.service)).toEqual(['cerebras', 'deepgram', 'elevenlabs', 'twilio']);
  const charged = Number(call.actual_cost_cents);
  expect(charged).toBeGreaterThan(0);
  // One reservation and one settlement in the user's ledger: the call was charged once, whichever relay carried it.
  const ledger = (await db.query<{ type: string; amount: string }>('select type, amount from public.credit_transactions where user_id = $1 order by id', [u.userId])).rows;
  expect(ledger.map((l) => [l.type, Number(l.amount)])).toEqual([['signup_grant', 500], ['reservation', -reserved], ['settlement', reserved - charged]]);
  const totals = (await db.query('select (select sum(cost_usd) from public.call_cost_events where call_id = $1)::numeric(20,10) as events, total_usd::numeric(20,10) as breakdown from public.call_cost_breakdowns where call_id = $1', [callId])).rows[0];
  expect(totals.breakdown).toBe(totals.events);
}

describe('two relays behind one stream address', () => {
  it('share calls placed together, and draining one ends none of the calls on the other', { timeout: 240_000 }, async () => {
    const [u1, u2, u3] = await Promise.all([signedInUserWithNumber('two-relays-1'), signedInUserWithNumber('two-relays-2'), signedInUserWithNumber('two-relays-3')]);
    const [c1, c2] = await Promise.all([placeCall(u1), placeCall(u2)]);

    // Each call is admitted by exactly one relay, and the two relays have one each.
    const placed = { [c1.callId]: await relayOf(c1.callId), [c2.callId]: await relayOf(c2.callId) };
    expect(Object.values(placed).sort()).toEqual(['a', 'b']);
    const onB = Object.keys(placed).find((id) => placed[id] === 'b')!;
    const onA = Object.keys(placed).find((id) => placed[id] === 'a')!;

    // B's call is live: stop B as a deploy would.
    b.signal('SIGTERM');
    await b.waitForLog((r) => r.msg === 'relay.draining');
    const bReady = await fetch(`${b.url}/readyz`);
    expect(bReady.status).toBe(503);
    expect(await bReady.json()).toMatchObject({ draining: true, failing: ['draining'], active_calls: 1 });
    // Straight to B (no proxy): a new stream is refused while it drains.
    await expect(MediaStreamsTestClient.connect(`ws://127.0.0.1:${b.port}/twilio/stream`)).rejects.toThrow('HTTP 503');

    // A call placed during the drain goes to A, the relay that is ready.
    const c3 = await placeCall(u3);
    await a.waitForLog(admitted(c3.callId), { timeoutMs: 90_000 });

    // B finishes its own call, then exits by itself, cleanly; nothing it did ended a call on A.
    expect(await b.exited).toBe(0);
    const bEnded = b.lines.findIndex((r) => r.msg === 'relay.call.ended' && r.call_id === onB);
    expect(bEnded).toBeGreaterThan(-1);
    expect(b.lines[bEnded]!.reason).toBe('persona_hung_up');
    expect(b.lines.findIndex((r) => r.msg === 'relay.drain.done')).toBeGreaterThan(bEnded);

    await expectTranscribedChargedAndSettledOnce(u1, c1.callId, c1.reserved);
    await expectTranscribedChargedAndSettledOnce(u2, c2.callId, c2.reserved);
    await expectTranscribedChargedAndSettledOnce(u3, c3.callId, c3.reserved);

    // Every call was admitted once in all (never by both relays), and A carried its own and the new one to the end.
    for (const id of [c1.callId, c2.callId, c3.callId]) {
      const admissions = [...a.lines, ...b.lines].filter((r) => r.msg === 'relay.stream.admitted' && r.call_id === id);
      expect(admissions).toHaveLength(1);
    }
    for (const id of [onA, c3.callId]) {
      expect((await a.waitForLog((r) => r.msg === 'relay.call.ended' && r.call_id === id, { timeoutMs: 90_000 })).reason).toBe('persona_hung_up');
    }
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
    expect(proxy.routed.slice(0, 2).sort()).toEqual([a.url, b.url].sort());
    expect(proxy.routed.slice(2)).toEqual([a.url]);
  });
});
