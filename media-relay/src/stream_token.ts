// Admission to a media stream. The TwiML that connects a call to the relay carries a stream token as a
// <Parameter>; it arrives in `start.customParameters`, and nothing that costs money starts before it checks out.
// Verification is an interface: production binds a single-use token to the call row in the database; the HMAC
// implementation here signs {callId, callSid?, exp} with a shared secret and refuses any token used twice.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenRejection = 'token_missing' | 'token_malformed' | 'token_bad_signature' | 'token_expired' | 'token_reused' | 'call_sid_mismatch';

export type TokenVerdict =
  | { ok: true; callId: string }
  | { ok: false; reason: TokenRejection };

export interface StreamTokenVerifier {
  /** Checks (and consumes) the token presented for a stream of Twilio call `callSid`. */
  verify(token: string | undefined, callSid: string): Promise<TokenVerdict>;
}

export interface StreamTokenClaims {
  callId: string;
  /** Twilio CallSid the token was minted for, when known at minting time. */
  callSid?: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const b64url = (b: Buffer) => b.toString('base64url');

function sign(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** `<base64url(JSON claims + random nonce)>.<base64url(HMAC-SHA256)>`; two tokens are never equal. */
export function mintStreamToken(claims: StreamTokenClaims, secret: string): string {
  const payload = b64url(Buffer.from(JSON.stringify({ ...claims, nonce: b64url(randomBytes(12)) })));
  return `${payload}.${b64url(sign(payload, secret))}`;
}

/** Remembers consumed tokens until they expire, so a token admits at most one stream. */
export class SingleUseGuard {
  private readonly used = new Map<string, number>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** True the first time `id` is seen before `expMs`; false on every reuse. */
  consume(id: string, expMs: number): boolean {
    const t = this.now();
    if (this.used.size > 1000) for (const [k, exp] of this.used) if (exp <= t) this.used.delete(k);
    if (this.used.has(id)) return false;
    this.used.set(id, expMs);
    return true;
  }
}

export class HmacStreamTokenVerifier implements StreamTokenVerifier {
  private readonly secret: string;
  private readonly guard: SingleUseGuard;
  private readonly now: () => number;

  constructor(opts: { secret: string; now?: () => number; guard?: SingleUseGuard }) {
    this.secret = opts.secret;
    this.now = opts.now ?? Date.now;
    this.guard = opts.guard ?? new SingleUseGuard(this.now);
  }

  async verify(token: string | undefined, callSid: string): Promise<TokenVerdict> {
    if (!token) return { ok: false, reason: 'token_missing' };
    const parts = token.split('.');
    if (parts.length !== 2 || !parts[0] || !parts[1] || token.length > 1000) return { ok: false, reason: 'token_malformed' };
    const [payload, sig] = parts as [string, string];
    const expected = sign(payload, this.secret);
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'token_bad_signature' };
    let claims: Partial<StreamTokenClaims>;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<StreamTokenClaims>;
    } catch {
      return { ok: false, reason: 'token_malformed' };
    }
    if (typeof claims.callId !== 'string' || claims.callId === '' || typeof claims.exp !== 'number') return { ok: false, reason: 'token_malformed' };
    if (claims.exp * 1000 <= this.now()) return { ok: false, reason: 'token_expired' };
    if (claims.callSid !== undefined && claims.callSid !== callSid) return { ok: false, reason: 'call_sid_mismatch' };
    if (!this.guard.consume(sig, claims.exp * 1000)) return { ok: false, reason: 'token_reused' };
    return { ok: true, callId: claims.callId };
  }
}
