// The hosted profile against the unmodified supabase-js: asymmetric signing keys with a public-only JWKS, sb_ keys
// with the platform's gateway rules, and e-mail confirmation and recovery through the mail outbox. Starts its own
// hosted stack (own state directory and ports) and stops it afterwards.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mail } from './mail_outbox.ts';
import { hostedStackEnv, startHostedStack, type HostedStack } from '../testing/hosted_stack.ts';
import { CLI_JWT_SECRET } from '../config.ts';
import { legacyApiKey } from '../keys.ts';
import { uniqueEmail } from '../testing/stack_env.ts';

const PASSWORD = 'correct-horse-1';
const SITE_URL = hostedStackEnv().SITE_URL!;
const APP_URL = 'http://127.0.0.1:5173/welcome';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

let hosted: HostedStack;
let db: pg.Pool;

beforeAll(async () => {
  hosted = await startHostedStack();
  db = new pg.Pool({ connectionString: hosted.dbUrl, max: 2 });
}, 180_000);

afterAll(async () => {
  await db?.end();
  await hosted?.stop();
}, 60_000);

function memoryStorage(): { getItem: (k: string) => string | null; setItem: (k: string, v: string) => void; removeItem: (k: string) => void } {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

function client(key = hosted.publishableKey, opts: { pkce?: boolean; headers?: Record<string, string> } = {}): SupabaseClient {
  return createClient(hosted.apiUrl, key, {
    auth: {
      persistSession: opts.pkce ?? false,
      autoRefreshToken: false,
      detectSessionInUrl: false,
      ...(opts.pkce ? { flowType: 'pkce' as const, storage: memoryStorage() } : {})
    },
    global: { headers: opts.headers ?? {} }
  });
}

async function mails(to: string): Promise<Mail[]> {
  const res = await fetch(`${hosted.apiUrl}/devstack/mail?to=${encodeURIComponent(to)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Mail[];
}

/** The mail is put in the outbox before Auth answers, so it is there as soon as the call returns. */
async function lastMail(to: string, type: Mail['type']): Promise<Mail> {
  const mine = (await mails(to)).filter((m) => m.type === type);
  expect(mine.length).toBeGreaterThan(0);
  return mine[mine.length - 1]!;
}

async function follow(link: string): Promise<URL> {
  const res = await fetch(link, { redirect: 'manual' });
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location')!);
}

function fragment(url: URL): URLSearchParams {
  return new URLSearchParams(url.hash.slice(1));
}

async function signUpUnconfirmed(tag: string, emailRedirectTo = APP_URL): Promise<string> {
  const email = uniqueEmail(`hosted-${tag}`);
  const { data, error } = await client().auth.signUp({ email, password: PASSWORD, options: { emailRedirectTo } });
  expect(error).toBeNull();
  expect(data.session).toBeNull();
  expect(data.user?.email).toBe(email);
  expect(data.user?.email_confirmed_at).toBeUndefined();
  return email;
}

describe('signing keys and JWKS', () => {
  it('publishes only public EC keys, cacheable for 10 minutes', async () => {
    const res = await fetch(hosted.jwksUrl);
    expect(res.headers.get('cache-control')).toBe('public, max-age=600');
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
      expect(typeof k.kid).toBe('string');
      expect('d' in k).toBe(false);
    }
  });

  it('prints sb_ keys and the JWKS URL, and no symmetric secret or legacy key', () => {
    expect(hosted.publishableKey).toMatch(/^sb_publishable_/);
    expect(hosted.secretKey).toMatch(/^sb_secret_/);
    expect(hosted.status.JWT_SECRET).toBeUndefined();
    expect(hosted.status.ANON_KEY).toBeUndefined();
    expect(hosted.status.SERVICE_ROLE_KEY).toBeUndefined();
  });
});

describe('sign-up with e-mail confirmation', () => {
  it('answers without a session, refuses password sign-in, and signs in through the mailed link', async () => {
    const email = await signUpUnconfirmed('implicit');
    const refused = await client().auth.signInWithPassword({ email, password: PASSWORD });
    expect(refused.error?.status).toBe(400);
    expect(refused.error?.code).toBe('email_not_confirmed');

    const mail = await lastMail(email, 'signup');
    expect(mail.subject).toBe('Confirm Your Signup');
    expect(mail.text).toContain('stand-in');
    const link = new URL(mail.link);
    expect(`${link.origin}${link.pathname}`).toBe(`${hosted.apiUrl}/auth/v1/verify`);
    expect(link.searchParams.get('type')).toBe('signup');
    expect(link.searchParams.get('redirect_to')).toBe(APP_URL);

    const landed = await follow(mail.link);
    expect(`${landed.origin}${landed.pathname}`).toBe(APP_URL);
    const tokens = fragment(landed);
    expect(tokens.get('type')).toBe('signup');
    const accessToken = tokens.get('access_token')!;

    // The token verifies against the published key set, exactly as a server using jose would check it.
    const { payload, protectedHeader } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(hosted.jwksUrl)), {
      issuer: `${hosted.apiUrl}/auth/v1`,
      audience: 'authenticated'
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({ email, role: 'authenticated', aal: 'aal1', is_anonymous: false, phone: '' });
    expect(typeof payload.session_id).toBe('string');
    expect(typeof payload.sub).toBe('string');

    const signedIn = client();
    const set = await signedIn.auth.setSession({ access_token: accessToken, refresh_token: tokens.get('refresh_token')! });
    expect(set.error).toBeNull();
    const me = await signedIn.auth.getUser();
    expect(me.data.user?.email_confirmed_at).toBeTruthy();
    const claims = await signedIn.auth.getClaims();
    expect(claims.data?.claims.sub).toBe(payload.sub);

    expect((await client().auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull();
    // A link works once.
    expect(fragment(await follow(mail.link)).get('error_code')).toBe('otp_expired');
  });

  it('confirms with the token hash through verifyOtp, as an app-side /auth/confirm route does', async () => {
    const email = await signUpUnconfirmed('token-hash');
    const mail = await lastMail(email, 'signup');
    const c = client();
    const { data, error } = await c.auth.verifyOtp({ type: 'email', token_hash: mail.token_hash });
    expect(error).toBeNull();
    expect(data.session?.user.email).toBe(email);
    const again = await client().auth.verifyOtp({ type: 'email', token_hash: mail.token_hash });
    expect(again.error?.code).toBe('otp_expired');
  });

  it('hands a PKCE sign-up a code that exchangeCodeForSession turns into a session', async () => {
    const email = uniqueEmail('hosted-pkce');
    const c = client(hosted.publishableKey, { pkce: true });
    const { data, error } = await c.auth.signUp({ email, password: PASSWORD, options: { emailRedirectTo: APP_URL } });
    expect(error).toBeNull();
    expect(data.session).toBeNull();
    const mail = await lastMail(email, 'signup');
    expect(new URL(mail.link).searchParams.get('token')).toMatch(/^pkce_/);
    const landed = await follow(mail.link);
    const code = landed.searchParams.get('code');
    expect(code).toBeTruthy();
    expect(landed.hash).toBe('');
    const exchanged = await c.auth.exchangeCodeForSession(code!);
    expect(exchanged.error).toBeNull();
    expect(exchanged.data.session?.user.email).toBe(email);
  });

  it('sends a link for a redirect outside the allow-list back to the Site URL', async () => {
    const email = await signUpUnconfirmed('redirect', 'https://evil.example/steal');
    const mail = await lastMail(email, 'signup');
    expect(mail.redirect_to).toBe(SITE_URL);
    const landed = await follow(mail.link);
    expect(landed.origin).toBe(SITE_URL);
    expect(fragment(landed).get('access_token')).toBeTruthy();
  });

  it('resends the confirmation mail, and only the newest link works', async () => {
    const email = await signUpUnconfirmed('resend');
    const first = await lastMail(email, 'signup');
    await db.query(`update auth.users set confirmation_sent_at = now() - interval '2 minutes' where email = $1`, [email]);
    expect((await client().auth.resend({ type: 'signup', email, options: { emailRedirectTo: APP_URL } })).error).toBeNull();
    const second = await lastMail(email, 'signup');
    expect(second.id).toBeGreaterThan(first.id);
    expect(fragment(await follow(first.link)).get('error_code')).toBe('otp_expired');
    expect(fragment(await follow(second.link)).get('access_token')).toBeTruthy();
  });

  it('lets confirmation links expire after 24 hours', async () => {
    const email = await signUpUnconfirmed('expiry');
    const mail = await lastMail(email, 'signup');
    await db.query(`update auth.users set confirmation_sent_at = now() - interval '24 hours 1 minute' where email = $1`, [email]);
    expect(fragment(await follow(mail.link)).get('error_code')).toBe('otp_expired');
  });
});

describe('password recovery by mail', () => {
  it('mails a recovery link that signs in, after which a new password can be set', async () => {
    const email = await signUpUnconfirmed('recover');
    await follow((await lastMail(email, 'signup')).link);
    const { error } = await client().auth.resetPasswordForEmail(email, { redirectTo: `${SITE_URL}/reset` });
    expect(error).toBeNull();
    const mail = await lastMail(email, 'recovery');
    expect(mail.subject).toBe('Reset Your Password');
    const landed = await follow(mail.link);
    expect(landed.pathname).toBe('/reset');
    const tokens = fragment(landed);
    expect(tokens.get('type')).toBe('recovery');

    const c = client();
    await c.auth.setSession({ access_token: tokens.get('access_token')!, refresh_token: tokens.get('refresh_token')! });
    expect((await c.auth.updateUser({ password: 'a-brand-new-password' })).error).toBeNull();
    expect((await client().auth.signInWithPassword({ email, password: PASSWORD })).error?.code).toBe('invalid_credentials');
    expect((await client().auth.signInWithPassword({ email, password: 'a-brand-new-password' })).error).toBeNull();
  });

  it('runs recovery through PKCE as the SSR server client does: link → ?code= → exchangeCodeForSession', async () => {
    const email = await signUpUnconfirmed('recover-pkce');
    await follow((await lastMail(email, 'signup')).link);
    const c = client(hosted.publishableKey, { pkce: true });
    expect((await c.auth.resetPasswordForEmail(email, { redirectTo: `${SITE_URL}/reset` })).error).toBeNull();
    const landed = await follow((await lastMail(email, 'recovery')).link);
    expect(landed.pathname).toBe('/reset');
    const exchanged = await c.auth.exchangeCodeForSession(landed.searchParams.get('code')!);
    expect(exchanged.error).toBeNull();
    expect((exchanged.data as { redirectType?: string | null }).redirectType).toBe('recovery');
    expect((await c.auth.updateUser({ password: 'another-new-password' })).error).toBeNull();
    expect((await client().auth.signInWithPassword({ email, password: 'another-new-password' })).error).toBeNull();
    // A second recovery mail within a minute is refused, as GoTrue's mail frequency limit does.
    const again = await client().auth.resetPasswordForEmail(email);
    expect(again.error?.code).toBe('over_email_send_rate_limit');
  });

  it('answers an unknown address like a known one', async () => {
    const email = uniqueEmail('hosted-nobody');
    expect((await client().auth.resetPasswordForEmail(email)).error).toBeNull();
    expect(await mails(email)).toEqual([]);
  });
});

describe('API keys at the gateway', () => {
  const table = `hosted_itest_notes`;

  beforeAll(async () => {
    await db.query(`create table if not exists public.${table} (id int primary key, body text not null, secret boolean not null default false)`);
    await db.query(`alter table public.${table} enable row level security`);
    await db.query(`grant select on public.${table} to anon, authenticated`);
    await db.query(`drop policy if exists public_rows on public.${table}`);
    await db.query(`create policy public_rows on public.${table} for select to anon, authenticated using (not secret)`);
    await db.query(`insert into public.${table} values (1, 'hello', false), (2, 'hidden', true) on conflict do nothing`);
    await db.query(`notify pgrst, 'reload schema'`);
    // The schema cache reloads asynchronously on that notification: wait until REST knows the table.
    for (let i = 0; ; i++) {
      const { error } = await client().from(table).select('id');
      if (!error) break;
      if (i > 200) throw new Error(`REST never saw ${table}: ${error.message}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  it('lets the publishable key read public rows as anon, under RLS', async () => {
    const { data, error } = await client().from(table).select('id, body').order('id');
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 1, body: 'hello' }]);
  });

  it('lets the secret key bypass RLS from a server', async () => {
    const { data, error } = await client(hosted.secretKey).from(table).select('id').order('id');
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('refuses the secret key from a browser', async () => {
    const res = await fetch(`${hosted.apiUrl}/rest/v1/${table}?select=id`, { headers: { apikey: hosted.secretKey, 'User-Agent': CHROME } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toBe('Forbidden use of secret API key in browser');
  });

  it('refuses a missing key, a Bearer sb_ key that is not the apikey, and the legacy anon key', async () => {
    expect((await fetch(`${hosted.apiUrl}/rest/v1/${table}`)).status).toBe(401);
    const mismatch = await fetch(`${hosted.apiUrl}/rest/v1/${table}`, { headers: { apikey: hosted.publishableKey, Authorization: `Bearer ${hosted.secretKey}` } });
    expect(mismatch.status).toBe(401);
    const legacy = await client(legacyAnonKey()).from(table).select('id');
    expect(legacy.error?.message).toBe('Legacy API keys are disabled');
  });

  it('runs a publishable-key Realtime channel', async () => {
    const c = client();
    const status = await new Promise<string>((resolve) => {
      c.channel('hosted-itest').subscribe((s) => {
        if (s !== 'CLOSED') resolve(s);
      });
    });
    expect(status).toBe('SUBSCRIBED');
    await c.removeAllChannels();
  });

  it('verify_jwt takes ES256 user tokens and refuses Bearer sb_ keys as Invalid JWT', async () => {
    const url = `${hosted.apiUrl}/functions/v1/health-authenticated`;
    const sb = await fetch(url, { method: 'POST', headers: { apikey: hosted.publishableKey, Authorization: `Bearer ${hosted.publishableKey}` } });
    expect(sb.status).toBe(401);
    expect(await sb.json()).toEqual({ msg: 'Invalid JWT' });
    const email = await signUpUnconfirmed('functions');
    const token = fragment(await follow((await lastMail(email, 'signup')).link)).get('access_token')!;
    expect(decodeProtectedHeader(token).alg).toBe('ES256');
    const res = await fetch(url, { method: 'POST', headers: { apikey: hosted.publishableKey, Authorization: `Bearer ${token}` } });
    const body = await res.text();
    expect(body).not.toContain('Invalid JWT');
    expect(res.status).not.toBe(401);
  });
});

/** The legacy anon key of this stack's JWT secret (the CLI default unless DEVSTACK_JWT_SECRET is set). */
function legacyAnonKey(): string {
  return legacyApiKey('anon', process.env.DEVSTACK_JWT_SECRET || CLI_JWT_SECRET);
}

describe('legacy keys switched back on', () => {
  it('accepts the legacy anon key with DEVSTACK_LEGACY_KEYS=true, and refuses it again without', async () => {
    await hosted.restart({ DEVSTACK_LEGACY_KEYS: 'true' });
    try {
      const { error } = await client(legacyAnonKey()).from('hosted_itest_notes').select('id');
      expect(error).toBeNull();
    } finally {
      await hosted.restart();
    }
    const { error } = await client(legacyAnonKey()).from('hosted_itest_notes').select('id');
    expect(error?.message).toBe('Legacy API keys are disabled');
  });
});
