// PostgREST-shaped errors: every failure leaves as {code, message, details, hint} with the status PostgREST uses
// (supabase-api.md §3.6).

export class RestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly hint: string | null;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    details: unknown = null,
    hint: string | null = null,
    headers: Record<string, string> = {}
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.hint = hint;
    this.headers = headers;
  }

  body(): { code: string; details: unknown; hint: string | null; message: string } {
    return { code: this.code, details: this.details, hint: this.hint, message: this.message };
  }
}

/** A malformed query parameter, select list or filter. */
export function badQuery(message: string, details: string | null = null): RestError {
  return new RestError(400, 'PGRST100', message, details);
}

export function badBody(message = 'Empty or invalid json', details: string | null = null): RestError {
  return new RestError(400, 'PGRST102', message, details);
}

interface PgLikeError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
}

/** HTTP status for a SQLSTATE, following PostgREST's mapSQLtoHTTP. */
export function statusForSqlState(code: string, message: string, role: string): number {
  if (code === '23505' || code === '23503') return 409;
  if (code === '42501') return role === 'anon' ? 401 : 403;
  if (code === '42883' || code === '42P01') return 404;
  if (code === '42P17') return 500;
  if (code === 'P0001') return 400;
  if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
  if (code === '25006') return 405;
  if (code === '21000') return /requires a WHERE clause$/.test(message) ? 400 : 500;
  if (code === '22023' && /^role .* does not exist$/.test(message)) return 401;
  if (code === '53400') return 500;
  if (code.startsWith('08') || code.startsWith('53') || code === '57P01') return 503;
  if (code.startsWith('0L') || code.startsWith('0P') || code.startsWith('28')) return 403;
  for (const p of ['09', '25', '2D', '38', '39', '3B', '40', '54', '55', '57', '58', 'F0', 'HV', 'P0', 'XX']) {
    if (code.startsWith(p)) return 500;
  }
  return 400;
}

/** Turns a PostgreSQL error raised while serving a request into the PostgREST answer. */
export function fromPgError(err: unknown, role: string): RestError {
  if (err instanceof RestError) return err;
  const e = err as PgLikeError;
  const text = String((err as Error)?.message ?? err);
  // Socket-level failures (ECONNREFUSED, terminated connections) mean the database is unreachable: retryable 503.
  if ((typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) || /connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(text)) {
    return new RestError(503, 'PGRST001', 'Database client error. Retrying the connection.', text, null, { 'Retry-After': '1' });
  }
  if (typeof e?.code !== 'string' || e.code.length !== 5) {
    return new RestError(500, 'PGRST000', 'The request could not be completed', text);
  }
  const message = e.message ?? '';
  const status = statusForSqlState(e.code, message, role);
  const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
  return new RestError(status, e.code, message, e.detail ?? null, e.hint ?? null, headers);
}
