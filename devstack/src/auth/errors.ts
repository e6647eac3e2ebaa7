// GoTrue's error responses (supabase-api.md §2.1): the 2024-01-01 body {code, message} when the client sends
// X-Supabase-Api-Version, else the legacy {code: <status>, error_code, msg}; both carry x-sb-error-code.

export const API_VERSION_HEADER = 'X-Supabase-Api-Version';
const API_VERSION_2024 = '2024-01-01';

export class AuthError extends Error {
  readonly status: number;
  readonly code: string;
  readonly extra: Record<string, unknown>;
  constructor(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

/** OAuth-style error GoTrue uses for a few token-endpoint failures: {error, error_description}. */
export class OAuthError extends Error {
  readonly error: string;
  constructor(error: string, description: string) {
    super(description);
    this.error = error;
  }
}

/** True when the request named API version 2024-01-01 or later (a YYYY-MM-DD date), as GoTrue decides. */
export function wantsVersionedErrors(header: string | undefined): boolean {
  if (!header || !/^\d{4}-\d{2}-\d{2}$/.test(header)) return false;
  const when = Date.parse(`${header}T00:00:00Z`);
  return Number.isFinite(when) && when >= Date.parse(`${API_VERSION_2024}T00:00:00Z`);
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export function errorResponse(err: AuthError | OAuthError, apiVersionHeader: string | undefined): ErrorResponse {
  const versioned = wantsVersionedErrors(apiVersionHeader);
  const headers: Record<string, string> = {};
  if (versioned) headers[API_VERSION_HEADER] = API_VERSION_2024;
  if (err instanceof OAuthError) {
    return { status: 400, headers, body: { error: err.error, error_description: err.message } };
  }
  headers['x-sb-error-code'] = err.code;
  const body = versioned
    ? { code: err.code, message: err.message, ...err.extra }
    : { code: err.status, error_code: err.code, msg: err.message, ...err.extra };
  return { status: err.status, headers, body };
}

// Constructors for the errors used in more than one place, so code and wording stay identical.
export const errors = {
  validation: (message: string) => new AuthError(400, 'validation_failed', message),
  badJson: () => new AuthError(400, 'validation_failed', 'The request body is not valid JSON. Send a JSON object.'),
  noAuthorization: () => new AuthError(401, 'no_authorization', 'This endpoint requires a Bearer token'),
  badJwt: (detail: string) => new AuthError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${detail}`),
  notAdmin: () => new AuthError(403, 'not_admin', 'User not allowed'),
  sessionNotFound: () => new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist'),
  userNotFoundFromJwt: () => new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist'),
  weakPassword: (min: number) =>
    new AuthError(422, 'weak_password', `Password should be at least ${min} characters.`, { weak_password: { reasons: ['length'] } }),
  emailExists: () => new AuthError(422, 'email_exists', 'A user with this email address has already been registered'),
  phoneExists: () => new AuthError(422, 'phone_exists', 'A user with this phone number has already been registered'),
  notFound: () => new AuthError(404, 'not_found', 'This Auth endpoint does not exist. Check the path and method.')
};
