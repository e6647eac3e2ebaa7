// Every answer of our functions: JSON, and errors as {error: {code, message}} with a stable code and a sentence a
// person can act on.
export interface ApiError {
  code: string;
  message: string;
}

export function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...Object.fromEntries(new Headers(headers)) }
  });
}

export function fail(status: number, code: string, message: string, headers: HeadersInit = {}): Response {
  return json(status, { error: { code, message } satisfies ApiError }, headers);
}
