import assert from 'node:assert/strict';
import { requireSession, type SessionDeps } from './user_session.ts';

const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const token = (c: Record<string, unknown>) => `${b64({ alg: 'HS256' })}.${b64(c)}.sig`;
const good = { sub: 'u1', role: 'authenticated', session_id: 's1' };
const deps = (over: Partial<SessionDeps> = {}): SessionDeps => ({
  fetchUser: () => Promise.resolve({ id: 'u1', email: 'a@b.c' }),
  isBlacklisted: () => Promise.resolve(false),
  ...over
});
const req = (auth?: string) => new Request('http://x/', { headers: auth ? { authorization: auth } : {} });
const code = async (r: unknown) => (r instanceof Response ? ((await r.json()) as { error: { code: string } }).error.code : 'ok');

Deno.test('a live session passes with its user and session ids', async () => {
  const r = await requireSession(req(`Bearer ${token(good)}`), deps());
  assert.ok(!(r instanceof Response));
  assert.equal(r.userId, 'u1');
  assert.equal(r.sessionId, 's1');
});

Deno.test('no token, an anon key or a token without a session → unauthenticated', async () => {
  assert.equal(await code(await requireSession(req(), deps())), 'unauthenticated');
  assert.equal(await code(await requireSession(req(`Bearer ${token({ role: 'anon' })}`), deps())), 'unauthenticated');
  assert.equal(await code(await requireSession(req(`Bearer ${token({ sub: 'u1', role: 'authenticated' })}`), deps())), 'unauthenticated');
});

Deno.test('Auth refusing the token → unauthenticated; a token for another user → unauthenticated', async () => {
  assert.equal(await code(await requireSession(req(`Bearer ${token(good)}`), deps({ fetchUser: () => Promise.resolve(null) }))), 'unauthenticated');
  assert.equal(await code(await requireSession(req(`Bearer ${token(good)}`), deps({ fetchUser: () => Promise.resolve({ id: 'u2' }) }))), 'unauthenticated');
});

Deno.test('a signed-out (blacklisted) session → session_revoked', async () => {
  const r = await requireSession(req(`Bearer ${token(good)}`), deps({ isBlacklisted: () => Promise.resolve(true) }));
  assert.ok(r instanceof Response);
  assert.equal(r.status, 401);
  assert.equal(await code(r), 'session_revoked');
});
