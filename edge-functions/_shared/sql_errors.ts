// Money errors raised by our SQL functions: SQLSTATE P0001 with the message "<code>: <sentence>".

/** The stable code and sentence of such an error, or null for any other error. */
export function sqlMoneyError(err: unknown): { code: string; message: string } | null {
  const e = err as { code?: string; message?: string } | null;
  if (!e || e.code !== 'P0001' || typeof e.message !== 'string') return null;
  const m = /^([a-z][a-z_]*): (.*)$/s.exec(e.message);
  return m ? { code: m[1]!, message: m[2]! } : null;
}

/**
 * An error that the same input will raise again however often it is retried: our own refusals (P0001 "<code>: …")
 * other than `transient`, and PostgreSQL's data and integrity errors (SQLSTATE classes 22 and 23: a value out of
 * range or of the wrong type, a conflicting key). Anything else (a lost connection, a deadlock, a function missing
 * after a bad deploy) may pass on a retry. Returns the stable code to record it under, or null when retrying may help.
 */
export function permanentSqlError(err: unknown, transient: readonly string[]): { code: string; message: string } | null {
  const money = sqlMoneyError(err);
  if (money) return transient.includes(money.code) ? null : money;
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code !== 'string' || !/^2[23][0-9A-Z]{3}$/.test(e.code)) return null;
  return { code: `sqlstate_${e.code.toLowerCase()}`, message: typeof e.message === 'string' ? e.message : e.code };
}
