// Access tokens exactly as GoTrue mints them (supabase-api.md §2.4): claims in GoTrue's member order, signed with
// the HS256 secret (default profile) or the project's ES256 key with its kid (hosted profile).
import { signHs256, type JwtSigner } from '../keys.ts';

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

/** `signer` is the HS256 secret or a signer (e.g. ES256 with the project's key). */
export function signAccessToken(input: AccessTokenInput, signer: string | JwtSigner): { token: string; expiresAt: number } {
  const claims = accessTokenClaims(input);
  const token = typeof signer === 'string' ? signHs256(claims, signer) : signer(claims);
  return { token, expiresAt: claims.exp as number };
}
