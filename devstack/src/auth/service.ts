// devstack's Auth service: the GoTrue subset supabase-js drives under /auth/v1 (supabase-api.md §2).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext, Service, ServiceDeps } from '../gateway/types.ts';
import { createUser, deleteUser, getUserById, listUsers, updateUserById } from './admin_users.ts';
import { authConfig } from './auth_config.ts';
import { AuthError, OAuthError } from './errors.ts';
import { readJsonObject, send, sendError, type Reply } from './http_io.ts';
import { logout, parseLogoutScope } from './logout.ts';
import { requireAdmin, requireUser } from './request_auth.ts';
import { createAuthServer, type AuthServer } from './server_context.ts';
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
      return { status: 200, body: SETTINGS };
    case '/.well-known/jwks.json':
      if (method !== 'GET') throw methodNotAllowed();
      // Only an HS256 secret is configured, and symmetric keys are never published.
      return { status: 200, body: { keys: [] }, headers: { 'Cache-Control': 'public, max-age=600' } };
    case '/signup':
      if (method !== 'POST') throw methodNotAllowed();
      return signUp(srv, req, await body());
    case '/token': {
      if (method !== 'POST') throw methodNotAllowed();
      const grant = ctx.url.searchParams.get('grant_type');
      if (grant === 'password') return passwordGrant(srv, req, await body());
      if (grant === 'refresh_token') return refreshGrant(srv, req, await body());
      throw new OAuthError('unsupported_grant_type', `grant_type must be "password" or "refresh_token"${grant ? `, got "${grant}"` : ''}.`);
    }
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
  const srv = createAuthServer({
    db: deps.db,
    jwtSecret: deps.config.jwtSecret,
    issuer: process.env.AUTH_JWT_ISSUER ?? `http://127.0.0.1:${deps.config.apiPort}/auth/v1`,
    config: authConfig,
    log: deps.log
  });

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
