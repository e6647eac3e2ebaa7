// devstack's Auth service: the GoTrue subset supabase-js drives under /auth/v1 (supabase-api.md §2).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { jwtKeysOf, keysOf, type RequestContext, type Service, type ServiceDeps } from '../gateway/types.ts';
import { createUser, deleteUser, getUserById, listUsers, updateUserById } from './admin_users.ts';
import { authConfig } from './auth_config.ts';
import { pkceGrant, recover, resend, verifyGet, verifyPost } from './email_flows.ts';
import { AuthError, OAuthError } from './errors.ts';
import { readJsonObject, send, sendError, type Reply } from './http_io.ts';
import { logout, parseLogoutScope } from './logout.ts';
import { requireAdmin, requireUser } from './request_auth.ts';
import { MailOutbox } from './mail_outbox.ts';
import { loadProjectAuthSettings } from './project_settings.ts';
import { createAuthServer, type AuthServer, type EmailSettings } from './server_context.ts';
import { signUp } from './signup.ts';
import { passwordGrant, refreshGrant } from './token_grant.ts';
import { getUser, updateUser } from './user_endpoint.ts';
import { isUuid } from './validation.ts';

const methodNotAllowed = () => new AuthError(405, 'method_not_allowed', 'This method is not allowed on this Auth endpoint.');
const notFound = () => new AuthError(404, 'not_found', 'This Auth endpoint does not exist. Check the path and method.');

const SETTINGS = {
  external: {
    anonymous_users: false, apple: false, azure: false, bitbucket: false, discord: false, facebook: false, figma: false,
    fly: false, github: false, gitlab: false, google: false, keycloak: false, kakao: false, linkedin: false,
    linkedin_oidc: false, notion: false, spotify: false, slack: false, slack_oidc: false, workos: false, twitch: false,
    twitter: false, x: false, zoom: false, email: true, phone: false
  },
  disable_signup: false,
  mailer_autoconfirm: true,
  phone_autoconfirm: false,
  sms_provider: '',
  saml_enabled: false
};

async function route(srv: AuthServer, req: IncomingMessage, ctx: RequestContext): Promise<Reply> {
  const method = req.method ?? 'GET';
  const path = ctx.path.length > 1 ? ctx.path.replace(/\/+$/, '') : ctx.path;
  const body = () => readJsonObject(req, srv.config.maxBodyBytes);

  switch (path) {
    case '/health':
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed();
      return { status: 200, body: { version: 'devstack', name: 'GoTrue', description: 'GoTrue is a user registration and authentication API' } };
    case '/settings':
      if (method !== 'GET') throw methodNotAllowed();
      return { status: 200, body: { ...SETTINGS, mailer_autoconfirm: srv.email.autoconfirm } };
    case '/.well-known/jwks.json':
      if (method !== 'GET') throw methodNotAllowed();
      // Public keys only: symmetric keys are never published, so an HS256-only project answers {"keys": []}.
      return { status: 200, body: srv.jwks, headers: { 'Cache-Control': 'public, max-age=600' } };
    case '/signup':
      if (method !== 'POST') throw methodNotAllowed();
      return signUp(srv, req, await body(), ctx.url);
    case '/token': {
      if (method !== 'POST') throw methodNotAllowed();
      const grant = ctx.url.searchParams.get('grant_type');
      if (grant === 'password') return passwordGrant(srv, req, await body());
      if (grant === 'refresh_token') return refreshGrant(srv, req, await body());
      if (grant === 'pkce') return pkceGrant(srv, req, await body());
      throw new OAuthError('unsupported_grant_type', `grant_type must be "password", "refresh_token" or "pkce"${grant ? `, got "${grant}"` : ''}.`);
    }
    case '/verify':
      if (method === 'GET') return verifyGet(srv, req, ctx.url);
      if (method === 'POST') return verifyPost(srv, req, await body());
      throw methodNotAllowed();
    case '/recover':
      if (method !== 'POST') throw methodNotAllowed();
      return recover(srv, await body(), ctx.url);
    case '/resend':
      if (method !== 'POST') throw methodNotAllowed();
      return resend(srv, await body(), ctx.url);
    case '/user':
      if (method === 'GET') return getUser(srv, await requireUser(srv, ctx.bearer));
      if (method === 'PUT') {
        const caller = await requireUser(srv, ctx.bearer);
        return updateUser(srv, caller, await body());
      }
      throw methodNotAllowed();
    case '/logout': {
      if (method !== 'POST') throw methodNotAllowed();
      const caller = await requireUser(srv, ctx.bearer);
      return logout(srv, caller, parseLogoutScope(ctx.url.searchParams.get('scope')));
    }
    case '/admin/users':
      await requireAdmin(srv, ctx.bearer);
      if (method === 'GET') return listUsers(srv, ctx.url);
      if (method === 'POST') return createUser(srv, await body());
      throw methodNotAllowed();
  }

  const userPath = /^\/admin\/users\/([^/]+)$/.exec(path);
  if (userPath) {
    await requireAdmin(srv, ctx.bearer);
    const id = decodeURIComponent(userPath[1]!);
    if (!isUuid(id)) throw new AuthError(404, 'validation_failed', 'user_id must be an UUID');
    if (method === 'GET') return getUserById(srv, id);
    if (method === 'PUT') return updateUserById(srv, id, await body());
    if (method === 'DELETE') return deleteUser(srv, id, await body());
    throw methodNotAllowed();
  }
  throw notFound();
}

/** Database errors caused by input that slipped past validation (races, odd values) become 4xx answers. */
function fromDatabaseError(err: unknown): AuthError | null {
  const pgErr = err as { code?: string; constraint?: string };
  if (typeof pgErr.code !== 'string') return null;
  if (pgErr.code === '23505') {
    if (pgErr.constraint?.includes('phone')) return new AuthError(422, 'phone_exists', 'A user with this phone number has already been registered');
    if (pgErr.constraint?.includes('email')) return new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
    return new AuthError(422, 'conflict', 'This change conflicts with an existing record.');
  }
  if (pgErr.code.startsWith('22')) return new AuthError(400, 'validation_failed', 'A value in the request is not valid for this field.');
  return null;
}

export async function createService(deps: ServiceDeps): Promise<Service> {
  const keys = keysOf(deps);
  const project = loadProjectAuthSettings(join(deps.config.root, 'supabase', 'config.toml'));
  const email: EmailSettings = {
    // A hosted project confirms e-mail addresses by default; locally config.toml decides, as with the CLI.
    autoconfirm: deps.config.profile === 'hosted' ? false : !project.enableConfirmations,
    siteUrl: project.siteUrl,
    allowList: project.additionalRedirectUrls,
    otpExpirySeconds: authConfig.emailOtpExpirySeconds,
    maxFrequencySeconds: authConfig.emailMaxFrequencySeconds
  };
  const srv = createAuthServer({
    db: deps.db,
    sign: keys.sign,
    jwtKeys: jwtKeysOf(deps),
    jwks: keys.jwks,
    issuer: process.env.AUTH_JWT_ISSUER ?? `http://127.0.0.1:${deps.config.apiPort}/auth/v1`,
    config: authConfig,
    email,
    outbox: deps.mailOutbox ?? new MailOutbox(),
    log: deps.log
  });
  deps.log(
    `auth: e-mail ${email.autoconfirm ? 'autoconfirmed' : 'confirmed through the mail outbox (GET /devstack/mail)'}; ` +
      `site URL ${email.siteUrl}; access tokens ${keys.signingKey ? `ES256 (kid ${keys.signingKey.kid})` : 'HS256'}`
  );

  async function http(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    try {
      send(res, await route(srv, req, ctx));
    } catch (err) {
      if (err instanceof AuthError || err instanceof OAuthError) {
        sendError(req, res, err);
        return;
      }
      const mapped = fromDatabaseError(err);
      if (mapped) {
        sendError(req, res, mapped);
        return;
      }
      srv.log(`auth: ${req.method} ${ctx.path} failed: ${(err as Error).stack ?? err}`);
      sendError(req, res, new AuthError(500, 'unexpected_failure', 'Unexpected failure, please check server logs for more information'));
    }
  }

  return { http };
}
