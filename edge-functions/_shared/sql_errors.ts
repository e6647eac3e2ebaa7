// Money errors raised by our SQL functions: SQLSTATE P0001 with the message "<code>: <sentence>".

/** The stable code and sentence of such an error, or null for any other error. */
export function sqlMoneyError(err: unknown): { code: string; message: string } | null {
  const e = err as { code?: string; message?: string } | null;
  if (!e || e.code !== 'P0001' || typeof e.message !== 'string') return null;
  const m = /^([a-z][a-z_]*): (.*)$/s.exec(e.message);
  return m ? { code: m[1]!, message: m[2]! } : null;
}
