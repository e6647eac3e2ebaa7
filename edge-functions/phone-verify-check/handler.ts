// Confirms a one-time code. The attempt is counted before the code is checked, so guessing is capped at the
// challenge's max_attempts however requests race; on success the number joins the user's verified numbers.
import { appError } from '../../core/src/errors.ts';
import { normalizePhone } from '../../core/src/phone.ts';
import type { Queryable } from '../_shared/queryable.ts';
import { readJsonObject } from '../_shared/request_body.ts';
import { failWith, json } from '../_shared/responses.ts';
import { TwilioApiError, type TwilioClient } from '../_shared/twilio_client.ts';
import { requireSession, type SessionDeps } from '../_shared/user_session.ts';

export interface VerifyCheckDeps {
  session: SessionDeps;
  db: Queryable;
  twilio: Pick<TwilioClient, 'checkVerification'>;
}

const TOO_MANY = 'Too many wrong codes. Ask for a new code.';

export async function handleVerifyCheck(req: Request, deps: VerifyCheckDeps): Promise<Response> {
  if (req.method !== 'POST') return failWith(appError('invalid_input', 'Use POST.'));
  const session = await requireSession(req, deps.session);
  if (session instanceof Response) return session;
  const body = await readJsonObject(req);
  if (!body.ok) return failWith(body.error);
  const code = String(body.value.code ?? '').replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) return failWith(appError('otp_invalid', 'Enter the 6-digit code from the text message.'));
  // Country and type rules were applied when the code was sent; here the number only has to parse.
  const phone = normalizePhone(String(body.value.phone_number ?? ''), { allowedCountries: undefined });
  if (!phone.ok) return failWith(phone.error);
  const e164 = phone.value.e164;

  const claimed = await deps.db.query<{ id: string; attempts: number; max_attempts: number; provider_sid: string }>(
    `update public.phone_verifications set attempts = attempts + 1
      where id = (select id from public.phone_verifications
                   where user_id = $1 and phone_number = $2 and status = 'pending'
                   order by created_at desc limit 1 for update)
        and expires_at > now() and attempts < max_attempts
      returning id, attempts, max_attempts, provider_sid`,
    [session.userId, e164]
  );
  const challenge = claimed.rows[0];
  if (!challenge) {
    const latest = await deps.db.query<{ status: string; expired: boolean; exhausted: boolean }>(
      `select status, expires_at <= now() as expired, attempts >= max_attempts as exhausted from public.phone_verifications
        where user_id = $1 and phone_number = $2 order by created_at desc limit 1`,
      [session.userId, e164]
    );
    const l = latest.rows[0];
    if (l?.status === 'pending' && l.exhausted) {
      await markLatest(deps.db, session.userId, e164, 'too_many_attempts');
      return failWith(appError('rate_limited', TOO_MANY));
    }
    if (l?.status === 'too_many_attempts') return failWith(appError('rate_limited', TOO_MANY));
    if (l?.status === 'pending' && l.expired) await markLatest(deps.db, session.userId, e164, 'expired');
    return failWith(appError('otp_expired', 'That code has expired or was never sent. Ask for a new code.'));
  }

  let status: string;
  try {
    status = (await deps.twilio.checkVerification(e164, code)).status;
  } catch (err) {
    if (err instanceof TwilioApiError && err.twilioCode === 60202) {
      await setStatus(deps.db, challenge.id, 'too_many_attempts');
      return failWith(appError('rate_limited', TOO_MANY));
    }
    if (err instanceof TwilioApiError && err.status === 404) {
      await setStatus(deps.db, challenge.id, 'expired');
      return failWith(appError('otp_expired'));
    }
    return failWith(appError('provider_unavailable', 'We could not check the code right now. Try again in a minute.'));
  }

  if (status !== 'approved') {
    const left = challenge.max_attempts - challenge.attempts;
    if (left <= 0) {
      await setStatus(deps.db, challenge.id, 'too_many_attempts');
      return failWith(appError('rate_limited', TOO_MANY));
    }
    return failWith(appError('otp_invalid', `That code is not right. You have ${left} ${left === 1 ? 'try' : 'tries'} left.`));
  }

  await deps.db.query(`update public.phone_verifications set status = 'approved', approved_at = now() where id = $1`, [challenge.id]);
  const saved = await deps.db.query<{ id: string }>(
    `with ins as (
       insert into public.user_phone_numbers (user_id, phone_number, country_code) values ($1, $2, $3)
       on conflict (user_id, phone_number) do nothing returning id
     )
     select id from ins union all select id from public.user_phone_numbers where user_id = $1 and phone_number = $2 limit 1`,
    [session.userId, e164, phone.value.country]
  );
  return json(200, { verified: true, phone_number: e164, phone_number_id: saved.rows[0]?.id });
}

async function setStatus(db: Queryable, id: string, status: string): Promise<void> {
  await db.query('update public.phone_verifications set status = $2 where id = $1 and status = $3', [id, status, 'pending']);
}

async function markLatest(db: Queryable, userId: string, phone: string, status: string): Promise<void> {
  await db.query(
    `update public.phone_verifications set status = $3
      where id = (select id from public.phone_verifications where user_id = $1 and phone_number = $2 order by created_at desc limit 1)
        and status = 'pending'`,
    [userId, phone, status]
  );
}
