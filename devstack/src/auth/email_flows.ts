// E-mail confirmation and password recovery (GoTrue's mailer, verify.go, recover.go, resend.go and the pkce grant):
// a mail with a one-time link goes to the outbox; following the link (GET /verify), or posting its token hash or
// code (POST /verify, what verifyOtp sends), confirms the address and signs the user in. Links last
// `otpExpirySeconds`, work once, and only the latest mail of a kind counts.
import type { IncomingMessage } from 'node:http';
import type pg from 'pg';
import { AuthError, errors } from './errors.ts';
import { codeRedirect, errorRedirect, implicitRedirect, newOtp, splitToken, storedToken, tokenHash, verifyLink } from './email_tokens.ts';
import { challengeMatches, parseChallengeMethod, type FlowMethod } from './flow_state.ts';
import { clientInfo, type Reply } from './http_io.ts';
import { composeMail, type MailKind } from './mail_outbox.ts';
import { chooseRedirect } from './redirect_urls.ts';
import type { AuthServer } from './server_context.ts';
import { actAsAuthAdmin, findUserByEmail, query, startSession, transaction } from './store.ts';
import { tokenResponse } from './token_response.ts';
import { normaliseEmail } from './validation.ts';

const COLUMN: Record<MailKind, { token: string; sentAt: string }> = {
  signup: { token: 'confirmation_token', sentAt: 'confirmation_sent_at' },
  recovery: { token: 'recovery_token', sentAt: 'recovery_sent_at' }
};
const FLOW: Record<MailKind, FlowMethod> = { signup: 'email/signup', recovery: 'recovery' };

export const otpExpired = () => new AuthError(403, 'otp_expired', 'Token has expired or is invalid');
const LINK_INVALID = 'Email link is invalid or has expired';

export interface PkceRequest {
  codeChallenge: string;
  method: 's256' | 'plain';
}

/** The PKCE part of a sign-up, recovery or resend body: both fields or neither (GoTrue's validatePKCEParams). */
export function pkceParams(body: Record<string, unknown>): PkceRequest | null {
  const challenge = body.code_challenge;
  const rawMethod = body.code_challenge_method;
  const hasChallenge = typeof challenge === 'string' && challenge !== '';
  const hasMethod = typeof rawMethod === 'string' && rawMethod !== '';
  if (!hasChallenge && !hasMethod) return null;
  if (!hasChallenge || !hasMethod) {
    throw errors.validation('PKCE flow requires code_challenge_method and code_challenge');
  }
  const method = parseChallengeMethod(rawMethod);
  if (!method) throw errors.validation(`code challenge method "${String(rawMethod)}" is not supported: use "s256" or "plain"`);
  if ((challenge as string).length < 43 || (challenge as string).length > 128) {
    throw errors.validation('code challenge has to be between 43 and 128 characters');
  }
  return { codeChallenge: challenge as string, method };
}

export function redirectParam(srv: AuthServer, url: URL): string {
  return chooseRedirect(url.searchParams.get('redirect_to'), srv.email);
}

/**
 * Stores a fresh token for `kind` on the user and puts the mail in the outbox. Refuses within the max-frequency
 * window of the previous mail of that kind, as GoTrue does.
 */
export async function sendEmailLink(
  srv: AuthServer,
  c: pg.PoolClient,
  user: { id: string; email: string },
  kind: MailKind,
  redirectTo: string,
  pkce: PkceRequest | null
): Promise<void> {
  const col = COLUMN[kind];
  const [recent] = await query<{ wait: number | null }>(
    c,
    `select ceil(extract(epoch from (${col.sentAt} + make_interval(secs => $2) - now())))::int as wait
       from auth.users where id = $1 and ${col.sentAt} is not null and ${col.sentAt} + make_interval(secs => $2) > now()`,
    [user.id, srv.email.maxFrequencySeconds]
  );
  if (recent?.wait) {
    throw new AuthError(429, 'over_email_send_rate_limit', `For security purposes, you can only request this after ${recent.wait} seconds.`);
  }
  const otp = newOtp();
  const token = storedToken(tokenHash(user.email, otp), pkce !== null);
  await c.query(`update auth.users set ${col.token} = $2, ${col.sentAt} = now(), updated_at = now() where id = $1`, [user.id, token]);
  if (pkce) srv.flows.start(user.id, FLOW[kind], pkce.codeChallenge, pkce.method);
  const link = verifyLink(srv.issuer, token, kind, redirectTo);
  srv.outbox.send({ to: user.email, type: kind, link, token_hash: token, token: otp, redirect_to: redirectTo, ...composeMail(kind, link, otp) });
  srv.log(`auth: ${kind} mail for ${user.email} put in the devstack mail outbox (not sent)`);
}

interface TokenOwner {
  id: string;
  kind: MailKind;
  pkce: boolean;
  expired: boolean;
}

/** Finds and locks the user a link token belongs to; `kinds` limits which mails count for this verification type. */
async function ownerOf(c: pg.PoolClient, srv: AuthServer, token: string, kinds: MailKind[], email?: string): Promise<TokenOwner | null> {
  const { hash } = splitToken(token);
  const candidates = [hash, storedToken(hash, true)];
  for (const kind of kinds) {
    const col = COLUMN[kind];
    const [row] = await query<{ id: string; token: string; expired: boolean }>(
      c,
      `select id, ${col.token} as token, coalesce(${col.sentAt} + make_interval(secs => $2) < now(), true) as expired
         from auth.users where ${col.token} = any($1::text[]) and ($3::text is null or lower(email) = $3) for update`,
      [candidates, srv.email.otpExpirySeconds, email ?? null]
    );
    if (row) return { id: row.id, kind, pkce: splitToken(row.token).pkce, expired: row.expired };
  }
  return null;
}

/** Uses up the token and marks the address verified (a recovery link proves the address too). */
async function consume(c: pg.PoolClient, owner: TokenOwner): Promise<void> {
  const col = COLUMN[owner.kind];
  await c.query(
    `update auth.users set ${col.token} = '', email_confirmed_at = coalesce(email_confirmed_at, now()),
        raw_user_meta_data = case when raw_user_meta_data ? 'email_verified' then raw_user_meta_data || '{"email_verified": true}' else raw_user_meta_data end,
        updated_at = now()
      where id = $1`,
    [owner.id]
  );
  await c.query(
    `update auth.identities set identity_data = identity_data || '{"email_verified": true}', updated_at = now()
      where user_id = $1 and provider = 'email'`,
    [owner.id]
  );
}

const VERIFY_TYPES: Record<string, MailKind[]> = {
  signup: ['signup'],
  invite: ['signup'],
  recovery: ['recovery'],
  magiclink: ['recovery'],
  email: ['signup', 'recovery']
};

function kindsFor(type: unknown): MailKind[] {
  if (typeof type !== 'string' || !VERIFY_TYPES[type]) {
    throw errors.validation(`Verify requires a verification type: one of ${Object.keys(VERIFY_TYPES).join(', ')}.`);
  }
  return VERIFY_TYPES[type]!;
}

/** GET /verify: the link in the mail. Always answers with a redirect, as browsers follow it. */
export async function verifyGet(srv: AuthServer, req: IncomingMessage, url: URL): Promise<Reply> {
  const redirectTo = redirectParam(srv, url);
  const token = url.searchParams.get('token') ?? '';
  const type = url.searchParams.get('type') ?? '';
  const pkceLink = splitToken(token).pkce;
  const fail = (code: string, description: string): Reply => ({ status: 303, headers: { Location: errorRedirect(redirectTo, pkceLink, code, description) } });
  if (token === '') return fail('validation_failed', 'Verify requires a token or a token hash');
  const kinds = VERIFY_TYPES[type];
  if (!kinds) return fail('validation_failed', `Verify requires a verification type: one of ${Object.keys(VERIFY_TYPES).join(', ')}.`);

  const outcome = await transaction(srv.db, async (c): Promise<Reply> => {
    await actAsAuthAdmin(c);
    const owner = await ownerOf(c, srv, token, kinds);
    if (!owner || owner.expired) return fail('otp_expired', LINK_INVALID);
    if (owner.pkce) {
      const flow = srv.flows.latestFor(owner.id, FLOW[owner.kind]);
      if (!flow) return fail('flow_state_not_found', 'No PKCE flow is waiting for this link; start the sign-in again.');
      await consume(c, owner);
      return { status: 303, headers: { Location: codeRedirect(redirectTo, srv.flows.issueCode(flow)) } };
    }
    await consume(c, owner);
    const { sessionId, refreshToken } = await startSession(c, owner.id, FLOW[owner.kind], clientInfo(req));
    const session = (await tokenResponse(srv, c, owner.id, sessionId, refreshToken)) as Parameters<typeof implicitRedirect>[1];
    return { status: 303, headers: { Location: implicitRedirect(redirectTo, session, owner.kind) } };
  });
  return outcome;
}

/** POST /verify {type, token_hash} or {type, email, token}: answers with a session. */
export async function verifyPost(srv: AuthServer, req: IncomingMessage, body: Record<string, unknown>): Promise<Reply> {
  const kinds = kindsFor(body.type);
  let token: string;
  let email: string | undefined;
  if (typeof body.token_hash === 'string' && body.token_hash !== '') {
    token = body.token_hash;
  } else if (typeof body.token === 'string' && body.token !== '' && body.email !== undefined) {
    email = normaliseEmail(body.email);
    token = tokenHash(email, body.token.trim());
  } else {
    throw errors.validation('Verify requires either a token_hash, or an email and the six-digit token from the mail.');
  }
  const session = await transaction(srv.db, async (c) => {
    await actAsAuthAdmin(c);
    const owner = await ownerOf(c, srv, token, kinds, email);
    if (!owner || owner.expired) return null;
    await consume(c, owner);
    const { sessionId, refreshToken } = await startSession(c, owner.id, email ? 'otp' : FLOW[owner.kind], clientInfo(req));
    return tokenResponse(srv, c, owner.id, sessionId, refreshToken);
  });
  if (!session) throw otpExpired();
  return { status: 200, body: session };
}

/** POST /recover: mails a recovery link when the address belongs to a user; answers {} either way. */
export async function recover(srv: AuthServer, body: Record<string, unknown>, url: URL): Promise<Reply> {
  if (body.email === undefined || body.email === null || body.email === '') throw errors.validation('Password recovery requires an email');
  const email = normaliseEmail(body.email);
  const pkce = pkceParams(body);
  const redirectTo = redirectParam(srv, url);
  const user = await findUserByEmail(srv.db, email);
  if (!user || user.deleted_at) return { status: 200, body: {} };
  await transaction(srv.db, async (c) => {
    await actAsAuthAdmin(c);
    await sendEmailLink(srv, c, { id: user.id, email }, 'recovery', redirectTo, pkce);
  });
  return { status: 200, body: {} };
}

/** POST /resend {type: 'signup', email}: a new confirmation mail for an unconfirmed user; {} otherwise too. */
export async function resend(srv: AuthServer, body: Record<string, unknown>, url: URL): Promise<Reply> {
  if (body.type !== 'signup') {
    throw errors.validation('Only type "signup" can be resent here: devstack has no e-mail change or SMS mails.');
  }
  if (body.email === undefined || body.email === null || body.email === '') throw errors.validation('Resend requires an email');
  const email = normaliseEmail(body.email);
  const pkce = pkceParams(body);
  const user = await findUserByEmail(srv.db, email);
  if (!user || user.deleted_at || user.email_confirmed_at) return { status: 200, body: {} };
  await transaction(srv.db, async (c) => {
    await actAsAuthAdmin(c);
    await sendEmailLink(srv, c, { id: user.id, email }, 'signup', redirectParam(srv, url), pkce);
  });
  return { status: 200, body: {} };
}

/** POST /token?grant_type=pkce {auth_code, code_verifier}: the code from a followed PKCE link becomes a session. */
export async function pkceGrant(srv: AuthServer, req: IncomingMessage, body: Record<string, unknown>): Promise<Reply> {
  const code = body.auth_code;
  const verifier = body.code_verifier;
  if (typeof code !== 'string' || code === '' || typeof verifier !== 'string' || verifier === '') {
    throw errors.validation('invalid request: both auth code and code verifier should be non-empty');
  }
  const flow = srv.flows.byAuthCode(code);
  if (!flow) throw new AuthError(404, 'flow_state_not_found', 'invalid flow state, no valid flow state found');
  if (srv.flows.isExpired(flow)) {
    srv.flows.delete(flow);
    throw new AuthError(400, 'flow_state_expired', 'invalid flow state, flow state has expired');
  }
  if (!challengeMatches(verifier, flow.codeChallenge, flow.challengeMethod)) {
    throw new AuthError(403, 'bad_code_verifier', 'code challenge does not match previously saved code verifier');
  }
  srv.flows.delete(flow);
  const session = await transaction(srv.db, async (c) => {
    await actAsAuthAdmin(c);
    const { sessionId, refreshToken } = await startSession(c, flow.userId, flow.method, clientInfo(req));
    return tokenResponse(srv, c, flow.userId, sessionId, refreshToken);
  });
  return { status: 200, body: session };
}
