// Every answer of our functions: JSON with CORS headers, and errors as {error: {code, message}} with a stable code
// and a sentence a person can act on.
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

/** Answers with a catalogue error from core (its status, code and sentence). */
export function failWith(err: { code: string; message: string; status?: number }, headers: HeadersInit = {}): Response {
  return fail(err.status ?? 400, err.code, err.message, headers);
}
