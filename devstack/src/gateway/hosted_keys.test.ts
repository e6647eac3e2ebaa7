import { describe, expect, it } from 'vitest';
import { signHs256 } from '../keys.ts';
import { admitHosted, looksLikeBrowser, REFUSALS, roleTokenMinter, type AdmissionInput, type HostedKeyRules } from './hosted_keys.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-characters';
const rules = (legacySecret: string | null = null): HostedKeyRules => ({
  publishableKey: 'sb_publishable_p',
  secretKey: 'sb_secret_s',
  legacySecret,
  roleToken: (role, route) => `role:${role}:${route}`
});
const req = (over: Partial<AdmissionInput>): AdmissionInput => ({
  route: 'rest', method: 'GET', path: '/users', authorization: undefined, apikey: null, userAgent: 'node', ...over
});
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const legacyAnon = signHs256({ iss: 'supabase-demo', role: 'anon', exp: 1983812996 }, SECRET);

describe('hosted gateway key rules', () => {
  it('turns the publishable key into an anon role token and the secret key into a service_role one', async () => {
    expect(await admitHosted(req({ apikey: 'sb_publishable_p' }), rules())).toEqual({ ok: true, bearer: 'role:anon:rest' });
    expect(await admitHosted(req({ apikey: 'sb_secret_s' }), rules())).toEqual({ ok: true, bearer: 'role:service_role:rest' });
  });

  it('passes a user JWT sent with the publishable key on to the services', async () => {
    const r = await admitHosted(req({ apikey: 'sb_publishable_p', authorization: 'Bearer user.jwt.here' }), rules());
    expect(r).toEqual({ ok: true, bearer: 'user.jwt.here' });
  });

  it('accepts Bearer sb_ only when it repeats the apikey', async () => {
    expect(await admitHosted(req({ apikey: 'sb_secret_s', authorization: 'Bearer sb_secret_s' }), rules())).toEqual({ ok: true, bearer: 'role:service_role:rest' });
    expect(await admitHosted(req({ apikey: 'sb_publishable_p', authorization: 'Bearer sb_secret_s' }), rules())).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses the secret key from a browser, a missing key and an unknown key', async () => {
    expect(await admitHosted(req({ apikey: 'sb_secret_s', userAgent: CHROME }), rules())).toEqual({ ok: false, status: 401, body: REFUSALS.secretInBrowser });
    expect(await admitHosted(req({}), rules())).toEqual({ ok: false, status: 401, body: REFUSALS.noKey });
    expect(await admitHosted(req({ apikey: 'sb_publishable_other' }), rules())).toEqual({ ok: false, status: 401, body: REFUSALS.invalidKey });
  });

  it('refuses legacy JWT keys unless they are switched on', async () => {
    expect(await admitHosted(req({ apikey: legacyAnon }), rules())).toEqual({ ok: false, status: 401, body: REFUSALS.legacyDisabled });
    expect(await admitHosted(req({ apikey: legacyAnon }), rules(SECRET))).toEqual({ ok: true, bearer: legacyAnon });
    const forged = signHs256({ role: 'service_role' }, 'another-secret-that-is-at-least-32-chars');
    expect(await admitHosted(req({ apikey: forged }), rules(SECRET))).toEqual({ ok: false, status: 401, body: REFUSALS.invalidKey });
  });

  it('leaves functions, the mail outbox and the open Auth routes to themselves', async () => {
    expect(await admitHosted(req({ route: 'functions', path: '/stripe-webhook' }), rules())).toEqual({ ok: true, bearer: null });
    expect(await admitHosted(req({ route: 'functions', apikey: 'sb_publishable_p', authorization: 'Bearer sb_publishable_p' }), rules())).toEqual({ ok: true, bearer: 'sb_publishable_p' });
    expect(await admitHosted(req({ route: 'auth', path: '/verify' }), rules())).toEqual({ ok: true, bearer: null });
    expect(await admitHosted(req({ route: 'auth', path: '/.well-known/jwks.json' }), rules())).toEqual({ ok: true, bearer: null });
    expect(await admitHosted(req({ route: 'auth', path: '/signup', method: 'POST' }), rules())).toMatchObject({ ok: false });
  });

  it('recognises browsers by their Mozilla/ user agent only', () => {
    expect(looksLikeBrowser(CHROME)).toBe(true);
    expect(looksLikeBrowser('node')).toBe(false);
    expect(looksLikeBrowser('Deno/2.1.4')).toBe(false);
    expect(looksLikeBrowser(undefined)).toBe(false);
  });
});

describe('role tokens', () => {
  it('are cached until half their life and last a day for Realtime', () => {
    let now = 1_000;
    const signed: Record<string, unknown>[] = [];
    const mint = roleTokenMinter((claims) => {
      signed.push(claims);
      return `t${signed.length}`;
    }, () => now);
    expect(mint('anon', 'rest')).toBe('t1');
    expect(mint('anon', 'auth')).toBe('t1');
    now += 301;
    expect(mint('anon', 'rest')).toBe('t2');
    expect(mint('anon', 'realtime')).toBe('t3');
    expect(signed[0]).toEqual({ iss: 'supabase', role: 'anon', iat: 1_000, exp: 1_600 });
    expect(signed[2]!.exp).toBe(now + 86_400);
  });
});
