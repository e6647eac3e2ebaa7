import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AUTH_CODE_LIFETIME_MS, challengeMatches, FlowStore, parseChallengeMethod } from './flow_state.ts';

const verifier = 'a'.repeat(56);
const challenge = createHash('sha256').update(verifier).digest('base64url');

describe('PKCE flow states', () => {
  it('check the verifier against an S256 or plain challenge', () => {
    expect(challengeMatches(verifier, challenge, 's256')).toBe(true);
    expect(challengeMatches('b'.repeat(56), challenge, 's256')).toBe(false);
    expect(challengeMatches(verifier, verifier, 'plain')).toBe(true);
    expect(parseChallengeMethod('S256')).toBe('s256');
    expect(parseChallengeMethod('md5')).toBeNull();
  });

  it('issue one auth code per followed link, keep only the latest flow, and expire codes after 5 minutes', () => {
    const store = new FlowStore();
    const first = store.start('u1', 'email/signup', challenge, 's256', 0);
    const second = store.start('u1', 'email/signup', challenge, 's256', 10);
    expect(store.latestFor('u1', 'email/signup')).toBe(second);
    expect(store.latestFor('u1', 'recovery')).toBeNull();
    expect(store.isExpired(second, 20)).toBe(true);
    const code = store.issueCode(second, 1_000);
    expect(store.byAuthCode(code)).toBe(second);
    expect(store.isExpired(second, 1_000 + AUTH_CODE_LIFETIME_MS)).toBe(false);
    expect(store.isExpired(second, 1_001 + AUTH_CODE_LIFETIME_MS)).toBe(true);
    store.delete(second);
    expect(store.byAuthCode(code)).toBeNull();
    expect(first.authCode).toBeNull();
  });
});
