// Access tokens exactly as GoTrue mints them (supabase-api.md §2.4): HS256, claims in GoTrue's member order.
import { signHs256 } from '../keys.ts';

export interface AmrEntry {
  method: string;
  timestamp: number;
}

export interface AccessTokenInput {
  issuer: string;
  userId: string;
  aud: string;
  email: string;
  phone: string;
  appMetadata: Record<string, unknown>;
  userMetadata: Record<string, unknown>;
  role: string;
  sessionId: string;
  amr: AmrEntry[];
  isAnonymous: boolean;
  issuedAt: number;
  expirySeconds: number;
}

export function accessTokenClaims(input: AccessTokenInput): Record<string, unknown> {
  return {
    iss: input.issuer,
    sub: input.userId,
    aud: input.aud,
    exp: input.issuedAt + input.expirySeconds,
    iat: input.issuedAt,
    email: input.email,
    phone: input.phone,
    app_metadata: input.appMetadata,
    user_metadata: input.userMetadata,
    role: input.role,
    aal: 'aal1',
    amr: input.amr,
    session_id: input.sessionId,
    is_anonymous: input.isAnonymous
  };
}

export function signAccessToken(input: AccessTokenInput, secret: string): { token: string; expiresAt: number } {
  const claims = accessTokenClaims(input);
  return { token: signHs256(claims, secret), expiresAt: claims.exp as number };
}
