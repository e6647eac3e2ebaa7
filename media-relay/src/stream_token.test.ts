import { describe, expect, it } from 'vitest';
import { HmacStreamTokenVerifier, mintStreamToken } from './stream_token.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-characters';
const SID = 'CA' + 'a'.repeat(32);
const now = () => 1_800_000_000_000;
const exp = now() / 1000 + 60;

describe('HMAC stream tokens', () => {
  it('admits a valid token once, bound to its call', async () => {
    const v = new HmacStreamTokenVerifier({ secret: SECRET, now });
    const token = mintStreamToken({ callId: 'call-1', callSid: SID, exp }, SECRET);
    expect(await v.verify(token, SID)).toEqual({ ok: true, callId: 'call-1' });
    expect(await v.verify(token, SID)).toEqual({ ok: false, reason: 'token_reused' });
  });

  it.each([
    ['missing', undefined, 'token_missing'],
    ['malformed', 'not-a-token', 'token_malformed'],
    ['signed with another secret', mintStreamToken({ callId: 'c', exp }, 'another-secret-of-at-least-32-characters!'), 'token_bad_signature'],
    ['expired', mintStreamToken({ callId: 'c', exp: now() / 1000 - 1 }, SECRET), 'token_expired'],
    ['for another CallSid', mintStreamToken({ callId: 'c', callSid: 'CA' + 'b'.repeat(32), exp }, SECRET), 'call_sid_mismatch']
  ])('refuses a token that is %s', async (_name, token, reason) => {
    const v = new HmacStreamTokenVerifier({ secret: SECRET, now });
    expect(await v.verify(token, SID)).toEqual({ ok: false, reason });
  });

  it('refuses a token whose claims were edited after signing', async () => {
    const v = new HmacStreamTokenVerifier({ secret: SECRET, now });
    const [, sig] = mintStreamToken({ callId: 'call-1', exp }, SECRET).split('.');
    const forged = `${Buffer.from(JSON.stringify({ callId: 'call-2', exp })).toString('base64url')}.${sig}`;
    expect(await v.verify(forged, SID)).toEqual({ ok: false, reason: 'token_bad_signature' });
  });

  it('does not let a rejected attempt burn the token', async () => {
    const v = new HmacStreamTokenVerifier({ secret: SECRET, now });
    const token = mintStreamToken({ callId: 'call-1', callSid: SID, exp }, SECRET);
    expect((await v.verify(token, 'CA' + 'c'.repeat(32))).ok).toBe(false);
    expect((await v.verify(token, SID)).ok).toBe(true);
  });
});

describe('tokens minted by the TwiML function', () => {
  it('verifies the nonce-less {callId, callSid, exp} form', async () => {
    const { createHmac } = await import('node:crypto');
    const payload = Buffer.from(JSON.stringify({ callId: 'call-9', callSid: SID, exp })).toString('base64url');
    const token = `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
    const v = new HmacStreamTokenVerifier({ secret: SECRET, now });
    expect(await v.verify(token, SID)).toEqual({ ok: true, callId: 'call-9' });
    expect(await v.verify(token, SID)).toEqual({ ok: false, reason: 'token_reused' });
  });
});
