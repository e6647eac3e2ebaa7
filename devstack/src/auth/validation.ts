// Input checks shared by sign-up, sign-in, user update and the admin API.
import { AuthError, errors } from './errors.ts';

// GoTrue's accepted e-mail shape (a pragmatic subset of RFC 5322), with the same 255-character cap.
const EMAIL_RE =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Lower-cased, trimmed e-mail or a validation_failed error. */
export function normaliseEmail(raw: unknown): string {
  if (typeof raw !== 'string') throw errors.validation('The email must be a string, for example "ada@example.com".');
  const email = raw.trim().toLowerCase();
  if (email.length > 255 || !EMAIL_RE.test(email)) {
    throw errors.validation('Unable to validate email address: invalid format');
  }
  return email;
}

/** Digits-only E.164 number as GoTrue stores it (no leading "+"). */
export function normalisePhone(raw: unknown): string {
  if (typeof raw !== 'string') throw errors.validation('The phone number must be a string in E.164 form, for example "+14155550123".');
  const phone = raw.replace(/[\s()-]/g, '').replace(/^\+/, '');
  if (!/^[1-9]\d{1,14}$/.test(phone)) throw errors.validation('Invalid phone number format (E.164 required)');
  return phone;
}

/** bcrypt only looks at 72 bytes; refuse longer passwords rather than silently truncating them. */
export function checkPassword(raw: unknown, minLength: number): string {
  if (typeof raw !== 'string') throw errors.validation('The password must be a string.');
  if (raw.length < minLength) throw errors.weakPassword(minLength);
  if (raw.includes('\u0000')) throw errors.validation('The password must not contain NUL characters.');
  if (Buffer.byteLength(raw, 'utf8') > 72) throw errors.validation('Password cannot be longer than 72 characters');
  return raw;
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Optional JSON object field: undefined/null pass as undefined, anything but an object is a validation error. */
export function optionalObject(body: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw errors.validation(`"${key}" must be a JSON object.`);
  return v;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw errors.validation(`"${key}" must be a string.`);
  return v;
}

export function optionalBoolean(body: Record<string, unknown>, key: string): boolean {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw errors.validation(`"${key}" must be true or false.`);
  return v;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration subset GoTrue accepts for ban_duration ("24h", "1h30m", "none" = lift the ban). */
export function parseBanDuration(raw: string): number | 'none' {
  if (raw === 'none') return 'none';
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (raw === '' || matched !== raw.length) {
    throw new AuthError(400, 'validation_failed', `invalid format for ban duration: "${raw}" (use e.g. "24h", "90m" or "none")`);
  }
  return total;
}
