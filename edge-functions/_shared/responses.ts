// Every answer of our functions: JSON with CORS headers, and errors as {error: {code, message}} with a stable code
// and a sentence a person can act on.
import { retryAfterSeconds } from '../../core/src/rate_limit_reset.ts';
import { corsHeaders } from './cors.ts';
export interface ApiError {
  code: string;
  message: string;
}

export function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...corsHeaders, 'Content-Type': 'application/json; charset=utf-8', ...Object.fromEntries(new Headers(headers)) }
  });
}

export function fail(status: number, code: string, message: string, headers: HeadersInit = {}): Response {
  return json(status, { error: { code, message } satisfies ApiError }, headers);
}

/**
 * Answers with a catalogue error from core (its status, code and sentence). A refusal that knows when it lifts
 * (`retryAt`) says so in the body (`retry_at`) and in a Retry-After header (seconds).
 */
export function failWith(err: { code: string; message: string; status?: number; retryAt?: string }, headers: HeadersInit = {}): Response {
  if (!err.retryAt) return fail(err.status ?? 400, err.code, err.message, headers);
  const body = { error: { code: err.code, message: err.message, retry_at: err.retryAt } };
  return json(err.status ?? 429, body, { ...Object.fromEntries(new Headers(headers)), 'Retry-After': String(retryAfterSeconds(err.retryAt)) });
}
