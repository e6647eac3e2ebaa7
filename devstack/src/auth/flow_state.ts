// PKCE flow states (GoTrue's auth.flow_state): the code challenge a sign-up or recovery started with, turned into a
// one-time auth code when the e-mail link is followed, exchanged with the code verifier at /token?grant_type=pkce.
// Kept in memory: a restart of the services forgets pending PKCE links (they then fail with flow_state_not_found).
import { createHash, randomUUID } from 'node:crypto';

export type FlowMethod = 'email/signup' | 'recovery';

export interface FlowState {
  id: string;
  userId: string;
  method: FlowMethod;
  codeChallenge: string;
  challengeMethod: 's256' | 'plain';
  authCode: string | null;
  authCodeIssuedAtMs: number | null;
  createdAtMs: number;
}

/** GoTrue's FlowStateExpiryDuration: an issued auth code must be exchanged within 5 minutes. */
export const AUTH_CODE_LIFETIME_MS = 300_000;

export function parseChallengeMethod(raw: unknown): 's256' | 'plain' | null {
  if (typeof raw !== 'string') return null;
  const m = raw.toLowerCase();
  return m === 's256' || m === 'plain' ? m : null;
}

export function challengeMatches(verifier: string, challenge: string, method: 's256' | 'plain'): boolean {
  const computed = method === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
  return computed === challenge;
}

export class FlowStore {
  private byId = new Map<string, FlowState>();

  /** A new flow replaces any older one of the same user and kind, as only the latest mail's link works. */
  start(userId: string, method: FlowMethod, codeChallenge: string, challengeMethod: 's256' | 'plain', nowMs = Date.now()): FlowState {
    for (const [id, f] of this.byId) if (f.userId === userId && f.method === method) this.byId.delete(id);
    const flow: FlowState = { id: randomUUID(), userId, method, codeChallenge, challengeMethod, authCode: null, authCodeIssuedAtMs: null, createdAtMs: nowMs };
    this.byId.set(flow.id, flow);
    return flow;
  }

  latestFor(userId: string, method: FlowMethod): FlowState | null {
    for (const f of this.byId.values()) if (f.userId === userId && f.method === method) return f;
    return null;
  }

  issueCode(flow: FlowState, nowMs = Date.now()): string {
    flow.authCode = randomUUID();
    flow.authCodeIssuedAtMs = nowMs;
    return flow.authCode;
  }

  byAuthCode(code: string): FlowState | null {
    for (const f of this.byId.values()) if (f.authCode === code) return f;
    return null;
  }

  delete(flow: FlowState): void {
    this.byId.delete(flow.id);
  }

  isExpired(flow: FlowState, nowMs = Date.now()): boolean {
    return flow.authCodeIssuedAtMs === null || nowMs - flow.authCodeIssuedAtMs > AUTH_CODE_LIFETIME_MS;
  }
}
