// What the refresh_token grant does with a presented token (GoTrue's v1 refresh tokens, tokens/service.go):
// a live token is swapped for a child; a revoked token that is the parent of the session's live token gets that
// live token back (the client lost the previous answer); another revoked token may still be swapped within the
// reuse interval of its revocation; after that it is treated as stolen and the whole session's tokens are revoked.
import { randomInt } from 'node:crypto';

export type RefreshDecision = 'swap' | 'return_active' | 'reject_and_revoke_session';

export interface PresentedToken {
  token: string;
  revoked: boolean;
  /** When the row last changed (its revocation time once revoked), ms since the epoch. */
  updatedAtMs: number;
}

export function decideRefresh(
  presented: PresentedToken,
  active: { token: string; parent: string | null } | null,
  nowMs: number,
  reuseIntervalSeconds: number
): RefreshDecision {
  if (!presented.revoked) return 'swap';
  if (active && active.parent === presented.token) return 'return_active';
  if (nowMs > presented.updatedAtMs + reuseIntervalSeconds * 1000) return 'reject_and_revoke_session';
  return 'swap';
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A 12-character random alphanumeric refresh token, the shape GoTrue stores in auth.refresh_tokens.token. */
export function newRefreshToken(length = 12): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}
