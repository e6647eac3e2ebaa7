// Errors from our functions and from the database, as sentences a person can act on. The functions answer
// {error: {code, message}}; their sentence is specific (it names the limit that refused), so it wins over the
// generic sentence for the code.
import { ERROR_CATALOGUE, isErrorCode } from '../../../core/src/errors.ts';

export interface ApiFailure {
  code: string;
  message: string;
}

const EXTRA: Record<string, string> = {
  network: 'We could not reach the service. Check your connection and try again.',
  unknown_pack: 'That credit pack is not on sale any more. Pick another one.',
  unknown_plan: 'That plan is not available. Pick another one.',
  checkout_in_progress: 'A checkout is already being started for you. Wait a moment and try again.',
  no_subscription: 'You have no active plan. Choose a plan to subscribe.',
  same_plan: 'You are already on that plan. Choose another one to switch to.',
  unknown_user: 'Your account could not be found. Sign out and sign in again.',
  not_found: 'This was not found, or it is not yours.',
  rls_denied: 'You are not allowed to change this.',
  check_violation: 'One of the values is outside what is allowed. Check the form and try again.'
};

const GENERIC = 'Something went wrong. Try again in a moment.';

/** The sentence for a code; `specific` (the server's own sentence) wins when there is one. */
export function errorSentence(code: string | undefined | null, specific?: string | null): string {
  if (specific && specific.trim()) return specific.trim();
  if (code && isErrorCode(code)) return ERROR_CATALOGUE[code].message;
  if (code && EXTRA[code]) return EXTRA[code]!;
  return GENERIC;
}

function failureFromBody(body: unknown): ApiFailure | null {
  const e = (body as { error?: unknown } | null)?.error;
  if (e && typeof e === 'object') {
    const { code, message } = e as { code?: unknown; message?: unknown };
    const c = typeof code === 'string' ? code : 'internal_error';
    return { code: c, message: errorSentence(c, typeof message === 'string' ? message : null) };
  }
  return null;
}

/**
 * Turns what `supabase.functions.invoke` gave back as `error` into {code, message}. An HTTP error carries the
 * Response in `context`; a fetch or relay error carries none and is reported as a network failure.
 */
export async function functionFailure(error: unknown): Promise<ApiFailure> {
  const ctx = (error as { context?: unknown } | null)?.context;
  if (ctx && typeof (ctx as Response).json === 'function') {
    try {
      const parsed = failureFromBody(await (ctx as Response).clone().json());
      if (parsed) return parsed;
    } catch {
      // Not JSON (a proxy's HTML page, say): fall through to the status.
    }
    const status = (ctx as Response).status;
    if (status === 401) return { code: 'unauthenticated', message: errorSentence('unauthenticated') };
    if (status === 404) return { code: 'provider_unavailable', message: 'This service is not available yet. Try again later.' };
    if (status >= 500) return { code: 'provider_unavailable', message: errorSentence('provider_unavailable') };
  }
  const name = (error as { name?: string } | null)?.name;
  if (name === 'FunctionsFetchError' || name === 'FunctionsRelayError' || error instanceof TypeError) {
    return { code: 'network', message: errorSentence('network') };
  }
  return { code: 'internal_error', message: GENERIC };
}

/** A PostgREST error (code is the Postgres SQLSTATE or PGRST…) as a sentence. */
export function databaseFailure(error: { code?: string; message?: string } | null | undefined): ApiFailure {
  switch (error?.code) {
    case '42501':
      return { code: 'rls_denied', message: errorSentence('rls_denied') };
    case '23514':
      return { code: 'check_violation', message: errorSentence('check_violation') };
    case '23505':
      return { code: 'conflict', message: 'This already exists. Refresh the page to see it.' };
    case 'PGRST116':
      return { code: 'not_found', message: errorSentence('not_found') };
    case 'P0001': {
      // Our own refusals (limits, money rules) raise "<code>: <sentence>": the sentence names the limit.
      const m = /^([a-z][a-z_]*): (.+)$/s.exec(error.message ?? '');
      if (m) return { code: m[1]!, message: m[2]! };
      return { code: 'internal_error', message: 'That could not be saved right now. Try again in a moment.' };
    }
    default:
      return { code: 'internal_error', message: 'That could not be saved right now. Try again in a moment.' };
  }
}

export type Invoked<T> = { ok: true; data: T } | { ok: false; error: ApiFailure };

interface FunctionsClient {
  functions: { invoke: (slug: string, options: { body: Record<string, unknown> }) => Promise<{ data: unknown; error: unknown }> };
}

/** Calls one of our functions and returns data or a failure with a sentence; never throws. */
export async function invokeFunction<T>(client: FunctionsClient, slug: string, body: Record<string, unknown>): Promise<Invoked<T>> {
  try {
    const { data, error } = await client.functions.invoke(slug, { body });
    if (error) return { ok: false, error: await functionFailure(error) };
    const bodyError = failureFromBody(data);
    if (bodyError) return { ok: false, error: bodyError };
    return { ok: true, data: data as T };
  } catch (err) {
    return { ok: false, error: await functionFailure(err) };
  }
}
