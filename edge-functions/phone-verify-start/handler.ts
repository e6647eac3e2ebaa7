// Sends a one-time code to a phone number the user wants to add. The number must pass the phone rules (country
// allow-list, no premium or shared-cost types) and the send limits per user, per number and per address.
import { appError } from '../../core/src/errors.ts';
import { maskPhone, normalizePhone } from '../../core/src/phone.ts';
import type { CountryCode } from 'libphonenumber-js/max';
import type { Queryable } from '../_shared/queryable.ts';
import { clientAddressNoting, type ProxyTrust } from '../_shared/client_address.ts';
import { readJsonObject } from '../_shared/request_body.ts';
import { failWith, json } from '../_shared/responses.ts';
import type { TwilioClient } from '../_shared/twilio_client.ts';
import { TwilioApiError } from '../_shared/twilio_client.ts';
import { requireSession, type SessionDeps } from '../_shared/user_session.ts';

export interface SendLimits {
  perUserPerHour: number;
  perNumberPerHour: number;
  perIpPerHour: number;
}

export const DEFAULT_SEND_LIMITS: SendLimits = { perUserPerHour: 5, perNumberPerHour: 3, perIpPerHour: 10 };
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
  const counts = await deps.db.query<{ by_user: number; by_number: number; by_ip: number }>(
    `select count(*) filter (where user_id = $1)::int as by_user,
            count(*) filter (where phone_number = $2)::int as by_number,
            count(*) filter (where client_ip = $3)::int as by_ip
       from public.phone_verifications
      where created_at > now() - interval '1 hour' and (user_id = $1 or phone_number = $2 or client_ip = $3)`,
    [session.userId, e164, ip]
  );
  const c = counts.rows[0] ?? { by_user: 0, by_number: 0, by_ip: 0 };
  if (c.by_user >= limits.perUserPerHour || c.by_number >= limits.perNumberPerHour || c.by_ip >= limits.perIpPerHour) {
    return failWith(appError('rate_limited', 'Too many codes were requested for this number, account or network. Wait an hour and try again.'));
  }

  let providerSid: string;
  try {
    providerSid = (await deps.twilio.startVerification(e164, channel)).sid;
  } catch (err) {
    if (err instanceof TwilioApiError && err.twilioCode === 60203) {
      return failWith(appError('rate_limited', 'Too many codes were sent to this number. Wait a while and try again.'));
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
