// Sends a one-time code to a phone number the user wants to add. The number must pass the phone rules (country
// allow-list, no premium or shared-cost types) and the send limits per user, per number and per address.
import { appError } from '../../core/src/errors.ts';
import { maskPhone, normalizePhone } from '../../core/src/phone.ts';
import { rateLimited, windowResetAt } from '../../core/src/rate_limit_reset.ts';
import type { CountryCode } from 'libphonenumber-js/max';
import type { Queryable } from '../_shared/queryable.ts';
import { clientAddressNoting, type ProxyTrust } from '../_shared/client_address.ts';
import { readJsonObject } from '../_shared/request_body.ts';
import { failWith, json } from '../_shared/responses.ts';
import type { TwilioClient } from '../_shared/twilio_client.ts';
import { TwilioApiError } from '../_shared/twilio_client.ts';
import { requireSession, type SessionDeps } from '../_shared/user_session.ts';

export interface SendLimits {
  /** Codes one account may ask for in an hour, across its numbers. */
  perUserPerHour: number;
  /** Codes one number may receive in an hour, whoever asks. */
  perNumberPerHour: number;
  perIpPerHour: number;
  /** The wait before this account's next code to the same number, after its 1st, 2nd, … unused code in the hour (the last repeats). */
  resendBackoffSeconds: readonly number[];
}

// A person who mistypes a number, waits for a slow text or tries a second number gets through; a loop that sprays
// codes at a number backs off (the first resend at once, then 30 s, 1 min, 2 min, 5 min between sends) and stops at
// five an hour.
export const DEFAULT_SEND_LIMITS: SendLimits = { perUserPerHour: 10, perNumberPerHour: 5, perIpPerHour: 10, resendBackoffSeconds: [0, 30, 60, 120, 300] };

type SentCode = {
  at: Date;
  mine: boolean;
  same_number: boolean;
  same_ip: boolean;
  /** The code was used: a later code to the number is a new verification (another account), not a resend. */
  approved: boolean;
};

/** Which send limit refuses the next code and when it lifts (the latest of the limits hit); null when one may be sent. */
export function sendRefusal(sent: readonly SentCode[], limits: SendLimits, now: Date): { reason: string; at: Date } | null {
  const HOUR = 3600_000;
  const times = (pick: (c: SentCode) => boolean) => sent.filter(pick).map((c) => new Date(c.at));
  const hits: { reason: string; at: Date }[] = [];
  const add = (reason: string, at: Date | null) => { if (at && at.getTime() > now.getTime()) hits.push({ reason, at }); };
  add(`This number has been sent ${limits.perNumberPerHour} codes in the last hour.`, windowResetAt(times((c) => c.same_number), limits.perNumberPerHour, HOUR, now));
  add(`Your account has asked for ${limits.perUserPerHour} codes in the last hour.`, windowResetAt(times((c) => c.mine), limits.perUserPerHour, HOUR, now));
  add('Many codes have been requested from your network in the last hour.', windowResetAt(times((c) => c.same_ip), limits.perIpPerHour, HOUR, now));
  // Resends: this account's unused codes to this number.
  const toNumber = times((c) => c.mine && c.same_number && !c.approved).sort((a, b) => b.getTime() - a.getTime());
  if (toNumber.length > 0 && limits.resendBackoffSeconds.length > 0) {
    const wait = limits.resendBackoffSeconds[Math.min(toNumber.length, limits.resendBackoffSeconds.length) - 1]!;
    add('A code was just sent to this number: check your messages, or ask for a new one shortly.', new Date(toNumber[0]!.getTime() + wait * 1000));
  }
  if (hits.length === 0) return null;
  return hits.reduce((a, b) => (b.at.getTime() > a.at.getTime() ? b : a));
}
export const CODE_TTL_MINUTES = 10;

export interface VerifyStartDeps {
  session: SessionDeps;
  db: Queryable;
  twilio: Pick<TwilioClient, 'startVerification'>;
  allowedCountries?: readonly CountryCode[];
  limits?: SendLimits;
  /** Which proxies' word to take for the caller's address (default: one proxy appending to X-Forwarded-For). */
  proxyTrust?: ProxyTrust;
  log?: (line: string) => void;
}

export async function handleVerifyStart(req: Request, deps: VerifyStartDeps): Promise<Response> {
  if (req.method !== 'POST') return failWith(appError('invalid_input', 'Use POST.'));
  const session = await requireSession(req, deps.session);
  if (session instanceof Response) return session;
  const body = await readJsonObject(req);
  if (!body.ok) return failWith(body.error);
  const channel = body.value.channel === 'call' ? 'call' : 'sms';
  const phone = normalizePhone(String(body.value.phone_number ?? ''), { allowedCountries: deps.allowedCountries });
  if (!phone.ok) return failWith(phone.error);
  const e164 = phone.value.e164;

  const owned = await deps.db.query('select 1 from public.user_phone_numbers where user_id = $1 and phone_number = $2', [session.userId, e164]);
  if ((owned.rowCount ?? 0) > 0) return json(200, { status: 'verified', phone_number: e164 });

  const limits = deps.limits ?? DEFAULT_SEND_LIMITS;
  // Every request counts against an address; those without one share the "unknown" bucket.
  const ip = clientAddressNoting(req, deps.proxyTrust, deps.log);
  const sent = await deps.db.query<SentCode & { now: Date; timezone: string | null }>(
    `select v.created_at as at, v.user_id = $1 as mine, v.phone_number = $2 as same_number, v.client_ip = $3 as same_ip,
            v.status = 'approved' as approved,
            now() as now, (select u.timezone from public.users u where u.id = $1) as timezone
       from public.phone_verifications v
      where v.created_at > now() - interval '1 hour' and (v.user_id = $1 or v.phone_number = $2 or v.client_ip = $3)`,
    [session.userId, e164, ip]
  );
  const refusal = sendRefusal(sent.rows, limits, new Date(sent.rows[0]?.now ?? Date.now()));
  if (refusal) {
    const zone = sent.rows[0]?.timezone ?? 'UTC';
    return failWith(rateLimited(refusal.reason, refusal.at, new Date(sent.rows[0]!.now), zone));
  }

  let providerSid: string;
  try {
    providerSid = (await deps.twilio.startVerification(e164, channel)).sid;
  } catch (err) {
    if (err instanceof TwilioApiError && err.twilioCode === 60203) {
      // Twilio Verify's own limit on one number (60203: five sends in ten minutes).
      const now = new Date();
      return failWith(rateLimited('Too many codes were sent to this number.', new Date(now.getTime() + 10 * 60_000), now));
    }
    if (err instanceof TwilioApiError && err.status === 400) return failWith(appError('phone_invalid', 'That number cannot receive a code. Check it and try again.'));
    deps.log?.(`phone-verify-start: Twilio Verify failed for ${maskPhone(e164)}: ${(err as Error).message}`);
    return failWith(appError('provider_unavailable', 'We could not send a code right now. Try again in a minute.'));
  }
  // Earlier pending challenges for the same number are superseded: only the newest code counts.
  await deps.db.query(
    `update public.phone_verifications set status = 'canceled' where user_id = $1 and phone_number = $2 and status = 'pending'`,
    [session.userId, e164]
  );
  const row = await deps.db.query<{ expires_at: string }>(
    `insert into public.phone_verifications (user_id, phone_number, channel, provider_sid, expires_at, client_ip)
     values ($1, $2, $3, $4, now() + make_interval(mins => $5), $6) returning expires_at`,
    [session.userId, e164, channel, providerSid, CODE_TTL_MINUTES, ip]
  );
  return json(200, { status: 'pending', phone_number: e164, channel, expires_at: row.rows[0]?.expires_at });
}
