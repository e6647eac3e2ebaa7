// Steps shared by the tests that place browser calls through the real stack and talk them through the relay's
// /browser/stream: the relay, a signed-up user, a call placed with credits, waiting for a row to reach a state.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { demoEnv } from '../../../devstack/src/demo_env.ts';
import { addVerifiedNumber } from '../../../devstack/src/testing/fresh_number.ts';
import { stack, uniqueEmail } from '../../../devstack/src/testing/stack_env.ts';
import { SupabaseAuthVerifier } from '../browser_stream.ts';
import { loadConfig } from '../config.ts';
import { PgCallStore } from '../pg_call_store.ts';
import { createProviders } from '../providers.ts';
import { startRelayServer, type RelayServer } from '../server.ts';
import { HmacStreamTokenVerifier } from '../stream_token.ts';
import type { MediaStreamsTestClient } from './media_streams_client.ts';

export const BRAD = 'a0000000-0000-4000-8000-000000000001';

export async function signedInUser(tag = 'browser-call'): Promise<{ sb: SupabaseClient; userId: string; token: string }> {
  const sb = createClient(stack.apiUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
  const { data, error } = await sb.auth.signUp({ email: uniqueEmail(tag), password: 'browser-call-password' });
  if (error) throw error;
  // A verified number: browser calls need one, and it brings the starting credits.
  const db = new pg.Client({ connectionString: stack.dbUrl });
  await db.connect();
  try {
    await addVerifiedNumber(db, data.user!.id);
  } finally {
    await db.end();
  }
  return { sb, userId: data.user!.id, token: data.session!.access_token };
}

export async function placeBrowserCall(sb: SupabaseClient): Promise<{ callId: string; reserved: number }> {
  const created = await sb.functions.invoke('calls-create', {
    body: { persona_id: BRAD, mode: 'browser', payment_method: 'credits', max_duration_minutes: 2 }
  });
  if (created.error) throw new Error(await created.error.context?.text());
  return { callId: created.data.call_id as string, reserved: created.data.reserved_credits as number };
}

export async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function softphoneStart(phone: MediaStreamsTestClient, callId: string, accessToken: string): void {
  phone.start(callId, { call_id: callId, access_token: accessToken });
}

/** A relay on an ephemeral port with the demo settings (plus `env`), its Postgres store and the stand-in vendors. */
export async function startBrowserRelay(env: Record<string, string> = {}): Promise<{ relay: RelayServer; store: PgCallStore }> {
  const config = loadConfig({ ...demoEnv(), RELAY_PORT: '0', RELAY_SILENCE_MS: '20000', ...env });
  if (!config.browser) throw new Error('the demo settings enable browser calls');
  const store = new PgCallStore(config.databaseUrl!, () => undefined);
  const providers = createProviders(config);
  const relay = await startRelayServer({
    config,
    verifier: new HmacStreamTokenVerifier({ secret: config.streamTokenSecret }),
    browserAuth: new SupabaseAuthVerifier({ ...config.browser, isSessionRevoked: (id) => store.isSessionRevoked(id) }),
    store,
    providers: () => providers,
    log: () => undefined
  });
  return { relay, store };
}

/**
 * For a test file: a relay started before its tests and closed after them, a small pool on the stack's database,
 * and a reader of a call's row.
 */
export function browserRelayForTests(): {
  db: pg.Pool;
  relay: () => RelayServer;
  store: () => PgCallStore;
  callRow: (id: string) => Promise<Record<string, unknown>>;
} {
  const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
  let started: { relay: RelayServer; store: PgCallStore } | undefined;
  beforeAll(async () => {
    started = await startBrowserRelay();
  });
  afterAll(async () => {
    await started?.relay.close();
    await started?.store.close();
    await db.end();
  });
  return {
    db,
    relay: () => started!.relay,
    store: () => started!.store,
    callRow: async (id) => (await db.query('select * from public.calls where id = $1', [id])).rows[0] as Record<string, unknown>
  };
}
