import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSigningKey, signEs256, signHs256 } from '../keys.ts';
import { checkJwt } from './jwt_gate.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-characters';
const valid = signHs256({ role: 'authenticated', sub: 'u1', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET);
const expired = signHs256({ role: 'authenticated', exp: Math.floor(Date.now() / 1000) - 60 }, SECRET);
const forged = signHs256({ role: 'service_role', exp: Math.floor(Date.now() / 1000) + 60 }, 'another-secret-of-at-least-32-characters!');

describe('checkJwt', () => {
  it('lets a valid token through', async () => {
    expect(await checkJwt('POST', true, `Bearer ${valid}`, valid, SECRET)).toEqual({ ok: true });
  });

  it('refuses a missing header with the CLI message', async () => {
    expect(await checkJwt('POST', true, undefined, null, SECRET)).toEqual({
      ok: false,
      status: 401,
      body: { msg: 'Error: Missing authorization header' }
    });
  });

  it('refuses a header that is not a bearer token', async () => {
    const r = await checkJwt('GET', true, 'Basic dXNlcjpwdw==', null, SECRET);
    expect(r).toEqual({ ok: false, status: 401, body: { msg: "Error: Auth header is not 'Bearer {token}'" } });
  });

  it.each([
    ['expired', expired],
    ['signed with another secret', forged],
    ['not a JWT', 'sb_publishable_unknown'],
    ['garbage', 'a.b.c']
  ])('refuses a token that is %s as Invalid JWT', async (_label, token) => {
    expect(await checkJwt('POST', true, `Bearer ${token}`, token, SECRET)).toEqual({
      ok: false,
      status: 401,
      body: { msg: 'Invalid JWT' }
    });
  });

  it('always passes OPTIONS through, and everything when verify_jwt is off', async () => {
    expect(await checkJwt('OPTIONS', true, undefined, null, SECRET)).toEqual({ ok: true });
    expect(await checkJwt('POST', false, undefined, null, SECRET)).toEqual({ ok: true });
    expect(await checkJwt('POST', false, 'Bearer x', 'x', SECRET)).toEqual({ ok: true });
  });
});

describe('checkJwt in the hosted profile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'devstack-gate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = loadSigningKey(dir);
  const keys = { hsSecret: null, publicKeys: [key.publicJwk] };
  const user = signEs256({ role: 'authenticated', sub: 'u1', exp: Math.floor(Date.now() / 1000) + 60 }, key);

  it('accepts an ES256 user token and refuses legacy HS256 ones', async () => {
    expect(await checkJwt('POST', true, `Bearer ${user}`, user, keys)).toEqual({ ok: true });
    expect(await checkJwt('POST', true, `Bearer ${valid}`, valid, keys)).toMatchObject({ ok: false, body: { msg: 'Invalid JWT' } });
    expect(await checkJwt('POST', true, `Bearer ${valid}`, valid, { ...keys, hsSecret: SECRET })).toEqual({ ok: true });
  });

  it('refuses Bearer sb_ keys as Invalid JWT', async () => {
    expect(await checkJwt('POST', true, 'Bearer sb_secret_y', 'sb_secret_y', keys)).toEqual({ ok: false, status: 401, body: { msg: 'Invalid JWT' } });
  });
});
