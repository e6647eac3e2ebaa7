// Postgres hands timestamptz over as text with microseconds ("2026-01-02 03:04:05.123456+00"); GoTrue prints
// RFC 3339 in UTC with the fraction kept and trailing zeros dropped ("2026-01-02T03:04:05.123456Z").

const PG_TS = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?|Z)?$/;

export function rfc3339(pgText: string | null | undefined): string | undefined {
  if (pgText === null || pgText === undefined) return undefined;
  const m = PG_TS.exec(pgText.trim());
  if (!m) throw new Error(`Unrecognised timestamp from the database: "${pgText}"`);
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os] = m;
  const offsetSeconds = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0)) : 0;
  const utcMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetSeconds * 1000;
  const base = new Date(utcMs).toISOString().slice(0, 19);
  const fraction = (frac ?? '').replace(/0+$/, '');
  return `${base}${fraction ? `.${fraction}` : ''}Z`;
}

/** Seconds since the epoch for a database timestamp (for JWT amr timestamps). */
export function unixSeconds(pgText: string): number {
  return Math.floor(Date.parse(rfc3339(pgText)!) / 1000);
}
