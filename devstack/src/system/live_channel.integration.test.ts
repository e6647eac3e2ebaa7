// The live call channel "call:<id>" is private: the call's owner receives what the relay broadcasts on it
// (realtime.send from SQL, as the relay does), another signed-in user cannot join it.
import { createClient, type RealtimeChannel } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { stack, uniqueEmail } from '../testing/stack_env.ts';

const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
afterAll(() => db.end());

async function signedIn() {
  const sb = createClient(stack.apiUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
  const { data, error } = await sb.auth.signUp({ email: uniqueEmail('live'), password: 'live-channel-password' });
  if (error) throw error;
  await sb.realtime.setAuth();
  return { sb, userId: data.user!.id };
}

function join(channel: RealtimeChannel): Promise<string> {
  return new Promise((resolve) => {
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED' || status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') resolve(err ? `${status}: ${err.message}` : status);
    });
  });
}

describe('live call channel', () => {
  it('delivers interim text to the owner and refuses everyone else', async () => {
    const owner = await signedIn();
    const stranger = await signedIn();
    const call = await db.query<{ id: string }>(
      `insert into public.calls (user_id, persona_id, mode, payment_method, max_duration_seconds, status)
       values ($1, 'a0000000-0000-4000-8000-000000000001', 'browser', 'demo', 60, 'in_progress') returning id`, [owner.userId]);
    const topic = `call:${call.rows[0]!.id}`;

    const received: unknown[] = [];
    const mine = owner.sb.channel(topic, { config: { private: true } }).on('broadcast', { event: 'interim' }, ({ payload }) => received.push(payload));
    expect(await join(mine)).toBe('SUBSCRIBED');
    const theirs = stranger.sb.channel(topic, { config: { private: true } });
    expect(await join(theirs)).toMatch(/^CHANNEL_ERROR/);

    await db.query(`select realtime.send($1::jsonb, 'interim', $2, true)`, [JSON.stringify({ speaker: 'user', text: 'hello who' }), topic]);
    const deadline = Date.now() + 5000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(received).toEqual([{ speaker: 'user', text: 'hello who' }]);
    await owner.sb.removeAllChannels();
    await stranger.sb.removeAllChannels();
  });
});
