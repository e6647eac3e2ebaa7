// Cancelling a live call from the app (calls-cancel) while the relay is talking: the relay is told through the
// database (NOTIFY call_ended, which its PgCallStore listens on) and ends the call's media; the usage recorded until
// the media ended is charged, within the hold; the hold is neither settled nor released, and no new call can be
// placed, until the media has ended. The listener comes back after its database connection is cut.
import type { SupabaseClient } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { synthesizeMulaw } from '../../devstack/src/vendors/speech/espeak.ts';
import { browserRelayForTests, placeBrowserCall, signedInUser, softphoneStart, waitFor } from './testing/browser_calls.ts';
import { MediaStreamsTestClient } from './testing/media_streams_client.ts';

const { db, relay: relayNow, store: storeNow, callRow } = browserRelayForTests();

/** Settles with the event, or fails after `ms` saying what never happened (a deadline, not a measurement). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not happen`)), ms); });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

async function talkingCall(tag: string) {
  const relay = relayNow();
  const u = await signedInUser(tag);
  const { callId, reserved } = await placeBrowserCall(u.sb);
  const phone = await MediaStreamsTestClient.connect(`ws://127.0.0.1:${relay.port}/browser/stream`, `MZcancel${Date.now()}`);
  softphoneStart(phone, callId, u.token);
  phone.startLine();
  const session = () => relay.sessions.get(callId);
  await waitFor(async () => session()?.phase, (p) => p === 'listening', 30_000, 'the greeting to play');
  return { u, callId, reserved, phone };
}

async function cancel(sb: SupabaseClient, callId: string): Promise<void> {
  const r = await sb.functions.invoke('calls-cancel', { body: { call_id: callId } });
  if (r.error) throw new Error(await r.error.context?.text());
}

/** calls-create's answer for another browser call: its error code, or null when placed (then it is cancelled). */
async function placeAnother(sb: SupabaseClient): Promise<string | null> {
  try {
    const { callId } = await placeBrowserCall(sb);
    await cancel(sb, callId);
    return null;
  } catch (err) {
    return (JSON.parse((err as Error).message) as { error: { code: string } }).error.code;
  }
}

describe('cancelling a live browser call', () => {
  it('ends the relay\'s media, charges the usage until the media ended, and holds the call active until then', { timeout: 120_000 }, async () => {
    const relay = relayNow();
    const store = storeNow();
    const { u, callId, reserved, phone } = await talkingCall('cancel-live');
    await phone.speak(await synthesizeMulaw('Hello? Who is this?'));
    await waitFor(async () => relay.sessions.get(callId)?.phase, (p) => p === 'responding', 10_000, 'the answer');

    // The relay's last step (reporting the media over) is held back, so the window between "cancelled" and "media
    // over" can be looked at: the session has already stopped every provider and flushed its usage by then.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let mediaStopped!: () => void;
    const stopped = new Promise<void>((r) => (mediaStopped = r));
    const finishCall = store.finishCall.bind(store);
    store.finishCall = async (...args) => {
      mediaStopped();
      await gate;
      return finishCall(...args);
    };

    const cancelAt = (await db.query<{ t: Date }>('select clock_timestamp() as t')).rows[0]!.t;
    await cancel(u.sb, callId);
    await within(Promise.all([stopped, phone.closed]), 5_000, 'the relay ending the cancelled call\'s media');
    expect((await callRow(callId)).status).toBe('canceled');

    // Cancelled, media not reported over: nothing is settled or released, and the call still counts as active.
    expect((await db.query('select private.settle_finished_call($1) as s', [callId])).rows[0].s).toBe('waiting_for_media');
    expect((await callRow(callId)).payment_status).toBe('reserved');
    expect(await placeAnother(u.sb)).toBe('conflict');

    release();
    const call = await waitFor(() => callRow(callId), (r) => r.payment_status === 'settled', 15_000, 'settlement');
    store.finishCall = finishCall;
    expect(relay.sessions.has(callId)).toBe(false);

    // Usage from after the cancel request (the speech recognised until the stream closed) is in the charge.
    const usage = (await db.query<{ after: string; cents: string }>(
      `select count(*) filter (where created_at > $2) as after, ceil(sum(calculated_cost_cents)) as cents
         from public.call_cost_events where call_id = $1`, [callId, cancelAt])).rows[0]!;
    expect(Number(usage.after)).toBeGreaterThan(0);
    const charged = Number(call.actual_cost_cents);
    expect(charged).toBe(Math.min(Number(usage.cents), reserved));
    expect(charged).toBeGreaterThan(0);
    const ledger = (await db.query<{ type: string; amount: string }>('select type, amount from public.credit_transactions where user_id = $1 order by id', [u.userId])).rows;
    expect(ledger.map((l) => [l.type, Number(l.amount)])).toEqual([['signup_grant', 500], ['reservation', -reserved], ['settlement', reserved - charged]]);
    expect((await db.query('select * from private.ledger_violations()')).rows).toEqual([]);

    // Media over: a new call may be placed.
    expect(await placeAnother(u.sb)).toBeNull();
  });

  it('still reaches the relay after its database connection was cut', { timeout: 90_000 }, async () => {
    const listeners = async () => (await db.query<{ pid: number }>(
      `select pid from pg_stat_activity where query ilike 'listen%call_ended%' and pid <> pg_backend_pid()`)).rows.map((r) => r.pid);
    const before = await waitFor(listeners, (p) => p.length > 0, 10_000, 'the relay listening');
    await db.query('select pg_terminate_backend(pid) from unnest($1::int[]) pid', [before]);
    await waitFor(listeners, (p) => p.length > 0 && p.every((pid) => !before.includes(pid)), 15_000, 'the relay listening again');

    const { u, callId, phone } = await talkingCall('cancel-relisten');
    await cancel(u.sb, callId);
    await within(phone.closed, 5_000, 'the relay ending the cancelled call\'s media');
    const call = await waitFor(() => callRow(callId), (r) => r.payment_status === 'settled', 15_000, 'settlement');
    expect(call.status).toBe('canceled');
    expect(call.media_ended_at).not.toBeNull();
  });
});
