// Placing a call, shared by "call now" and the scheduled-call dispatcher so both apply exactly the same rules:
// validate → estimate → budget → pay (reserve credits / card hold / demo quota) → calls row → Twilio. Any failure
// undoes what came before it (no reservation or hold is left behind) and says which rule refused the call.
import { ACTIVE_CALL_STATUSES } from '../../core/src/call_status.ts';
import type { Tables } from '../../core/src/database.types.ts';
import { appError, isAppError, type AppError } from '../../core/src/errors.ts';
import { rateLimited, windowResetAt } from '../../core/src/rate_limit_reset.ts';
import { isUuid } from './ids.ts';
import { normalizePhone } from '../../core/src/phone.ts';
import { MAX_CALL_SECONDS } from '../../core/src/pricing.ts';
import type { CountryCode } from 'libphonenumber-js/max';
import { inTransaction, type Db, type Tx } from './db.ts';
import { TwilioApiError, type TwilioClient } from './twilio_client.ts';

export const PAYMENT_METHODS = ['credits', 'subscription', 'card', 'demo'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface PlaceCallRequest {
  userId: string;
  personaId: string;
  mode: 'phone' | 'browser';
  phoneNumberId?: string | null;
  scenarioTemplateId?: string | null;
  customInstructions?: string | null;
  maxDurationMinutes?: number | null;
  paymentMethod: PaymentMethod;
  idempotencyKey?: string | null;
  scheduledCallId?: string | null;
  /** The address bucket a call-now request came from (client_address.ts; null for scheduled calls), for per-address limits. */
  clientIp?: string | null;
  /** Only estimate and check: nothing is reserved, stored or dialled. */
  dryRun?: boolean;
}

export interface PlacedCall {
  call_id: string;
  status: string;
  mode: 'phone' | 'browser';
  max_duration_seconds: number;
  estimated_cost_cents: number;
  reserved_credits: number;
  payment_method: string;
  replayed: boolean;
}

export interface CallLimits {
  /** Calls that connected (or may still) per user per hour; attempts nobody answered do not count. */
  callsPerUserPerHour: number;
  /** Every attempt per user per hour, answered or not: the backstop against redialling a busy line in a loop. */
  attemptsPerUserPerHour: number;
  /** Calls that connected (or may still) to one number per hour. */
  callsPerNumberPerHour: number;
  /** Across every account, from one address (call now only). */
  callsPerIpPerHour: number;
  demoCallsPerUserPerDay: number;
  ringTimeoutSeconds: number;
  /** The global dial pace shared with the scheduled-call dispatcher (Twilio's default CPS is 1). */
  callsPerSecond: number;
  /** A call-now dial waits at most this long for a free second under the pace; beyond that it is refused. */
  maxDialWaitMs: number;
}

export const DEFAULT_CALL_LIMITS: CallLimits = {
  callsPerUserPerHour: 10,
  attemptsPerUserPerHour: 30,
  callsPerNumberPerHour: 6,
  callsPerIpPerHour: 30,
  demoCallsPerUserPerDay: 20,
  ringTimeoutSeconds: 25,
  callsPerSecond: 1,
  maxDialWaitMs: 10_000
};

/** Holds and releases card payments (Stripe PaymentIntents with manual capture). */
export interface CardPayments {
  authorize(userId: string, callId: string, amountCents: number): Promise<{ paymentIntentId: string }>;
  cancel(paymentIntentId: string): Promise<void>;
}

export interface PlaceCallDeps {
  db: Db;
  twilio: Pick<TwilioClient, 'createCall'>;
  publicApiUrl: string;
  twilioFromNumber: string;
  demoMode: boolean;
  allowedCountries?: readonly CountryCode[];
  limits?: CallLimits;
  cards?: CardPayments;
  log?: (line: string) => void;
  /** Browser calls go through Twilio's Voice SDK (true) or the relay's softphone stream (false/absent). */
  browserCallsViaTwilio?: boolean;
  /** Waits for the paced dial second (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

export type PlaceCallResult = { ok: true; call: PlacedCall } | { ok: false; error: AppError };

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const ACTIVE = `(${ACTIVE_CALL_STATUSES.map((s) => `'${s}'`).join(', ')})`;

class Refusal extends Error {
  readonly error: AppError;
  constructor(error: AppError) {
    super(error.message);
    this.error = error;
  }
}
const refuse = (code: Parameters<typeof appError>[0], message?: string): never => {
  throw new Refusal(appError(code, message));
};

/** Money errors from the ledger functions arrive as "<code>: <sentence>" with the code in HINT. */
function moneyRefusal(err: unknown): AppError | null {
  const e = err as { code?: string; hint?: string; message?: string };
  if (e?.code !== 'P0001' || !e.hint) return null;
  const sentence = (e.message ?? '').replace(/^[a-z_]+:\s*/, '');
  const known = ['insufficient_credits', 'budget_exceeded_per_call', 'budget_exceeded_monthly'] as const;
  const code = known.find((k) => k === e.hint);
  return code ? appError(code, sentence) : { code: e.hint, message: sentence, status: 409 };
}

export function validatePlaceCall(body: Record<string, unknown>, userId: string): PlaceCallRequest | AppError {
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  const personaId = str(body.persona_id);
  if (!isUuid(personaId)) return appError('persona_not_found', 'Pick a persona to call you.');
  const mode = body.mode === 'browser' ? 'browser' : body.mode === 'phone' || body.mode === undefined ? 'phone' : null;
  if (!mode) return appError('invalid_input', 'Choose whether the persona calls your phone or your browser.');
  const phoneNumberId = str(body.phone_number_id);
  if (mode === 'phone' && !isUuid(phoneNumberId)) {
    return appError('number_not_verified', 'Choose one of your verified phone numbers, or verify a number first.');
  }
  const scenario = str(body.scenario_template_id);
  if (scenario && !isUuid(scenario)) return appError('scenario_not_found');
  const instructions = body.custom_instructions === undefined || body.custom_instructions === null ? null : String(body.custom_instructions).trim();
  if (instructions && instructions.length > 1000) return appError('invalid_input', 'Keep the instructions under 1,000 characters.');
  const minutes = body.max_duration_minutes === undefined || body.max_duration_minutes === null ? null : Number(body.max_duration_minutes);
  if (minutes !== null && (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_CALL_SECONDS / 60)) {
    return appError('invalid_input', `Choose a call length between 1 and ${MAX_CALL_SECONDS / 60} minutes.`);
  }
  const method = (str(body.payment_method) ?? 'credits') as PaymentMethod;
  if (!PAYMENT_METHODS.includes(method)) return appError('invalid_input', 'Pay with credits, your subscription, a card, or the demo allowance.');
  const key = str(body.idempotency_key);
  if (key && key.length > 200) return appError('invalid_input', 'The request key is too long.');
  return {
    userId, personaId, mode, phoneNumberId: mode === 'phone' ? phoneNumberId : null, scenarioTemplateId: scenario,
    customInstructions: instructions || null, maxDurationMinutes: minutes, paymentMethod: method, idempotencyKey: key,
    dryRun: body.dry_run === true
  };
}

/** What an account still has to do before it may call from the browser, as a sentence; null when nothing. */
export function browserVerificationMissing(v: { email_confirmed: boolean; phone_verified: boolean } | undefined): string | null {
  const email = v?.email_confirmed === true;
  const phone = v?.phone_verified === true;
  if (email && phone) return null;
  if (!email && !phone) {
    return 'Confirm your e-mail address and verify a phone number before calling from your browser: open the link in the e-mail we sent you, then add your number on the Verify your phone page.';
  }
  return email
    ? 'Verify a phone number before calling from your browser: add your number on the Verify your phone page.'
    : 'Confirm your e-mail address before calling from your browser: open the link in the e-mail we sent you.';
}

interface Prepared {
  callId: string;
  toNumber: string | null;
  maxSeconds: number;
  estimate: number;
  reserved: number;
  dbMethod: 'credits' | 'card' | 'demo';
  replayed: PlacedCall | null;
}

async function prepare(tx: Tx, req: PlaceCallRequest, deps: PlaceCallDeps): Promise<Prepared> {
  const limits = deps.limits ?? DEFAULT_CALL_LIMITS;
  // One writer per user at a time: concurrent "call now" clicks and dispatcher runs queue here, so the
  // one-active-call rule and the budget cannot be raced.
  const user = await tx.query<Pick<Tables<'users'>, 'timezone'>>('select timezone from public.users where id = $1 for update', [req.userId]);
  if (!user.rows[0]) refuse('unauthenticated');

  if (req.idempotencyKey) {
    const prior = await tx.query<Record<string, unknown>>(
      `select id, status, mode, max_duration_seconds, estimated_cost_cents, reserved_credits, payment_method
         from public.calls where user_id = $1 and idempotency_key = $2`, [req.userId, req.idempotencyKey]);
    const p = prior.rows[0];
    if (p) {
      return { callId: String(p.id), toNumber: null, maxSeconds: 0, estimate: 0, reserved: 0, dbMethod: 'credits', replayed: {
        call_id: String(p.id), status: String(p.status), mode: p.mode as 'phone' | 'browser', max_duration_seconds: Number(p.max_duration_seconds),
        estimated_cost_cents: Number(p.estimated_cost_cents), reserved_credits: Number(p.reserved_credits), payment_method: String(p.payment_method), replayed: true
      } };
    }
  }

  // A built-in persona, or one the caller created: another user's persona is as unknown as a missing one.
  const persona = await tx.query('select 1 from public.personas where id = $1 and is_active and (owner_id is null or owner_id = $2)', [req.personaId, req.userId]);
  if (!persona.rowCount) refuse('persona_not_found');
  if (req.scenarioTemplateId) {
    const s = await tx.query('select 1 from public.call_scenario_templates where id = $1 and (user_id is null or user_id = $2)', [req.scenarioTemplateId, req.userId]);
    if (!s.rowCount) refuse('scenario_not_found');
  }
  if (req.mode === 'browser') {
    // A browser call rings no number, so without this a throwaway account could talk for free (demo) or on
    // credits nobody paid for: the account must be as verified as one that earns the starting credits.
    const v = await tx.query<{ email_confirmed: boolean; phone_verified: boolean }>(
      'select email_confirmed, phone_verified from private.account_verification($1)', [req.userId]);
    const missing = browserVerificationMissing(v.rows[0]);
    if (missing) refuse('verification_required', missing);
  }
  let toNumber: string | null = null;
  if (req.mode === 'phone') {
    const n = await tx.query<Pick<Tables<'user_phone_numbers'>, 'phone_number'>>('select phone_number from public.user_phone_numbers where id = $1 and user_id = $2', [req.phoneNumberId, req.userId]);
    if (!n.rows[0]) refuse('number_not_verified');
    // The rules may have tightened since the number was verified (a country removed from the allow-list).
    const checked = normalizePhone(n.rows[0]!.phone_number, { allowedCountries: deps.allowedCountries });
    if (!checked.ok) throw new Refusal(checked.error);
    toNumber = checked.value.e164;
  }

  // A finished call whose media still runs (cancelled, the relay not yet done) is still the call in progress; a
  // browser call whose microphone never connected within its deadline is not (the reconciler releases it).
  const active = await tx.query(
    `select 1 from public.calls c
      where c.user_id = $1 and c.created_at > now() - interval '4 hours'
        and ((c.status in ${ACTIVE} and not private.browser_call_unconnected(c)) or private.call_media_live(c))`,
    [req.userId]);
  if (active.rowCount) refuse('conflict', 'You already have a call in progress. Wait for it to end, or hang it up first.');
  // The hourly limits count calls that connected or may still connect: a busy line, no answer, a failed dial or a
  // call cancelled before it connected cost nothing and do not count, up to a separate allowance of attempts.
  // Every refusal says when the limit lets the next call through (the oldest counted call leaving the window).
  const recent = await tx.query<{ at: Date; counted: boolean; same_number: boolean; demo: boolean }>(
    `select c.created_at as at,
            (c.status in ${ACTIVE} or c.answered_at is not null or coalesce(c.duration_seconds, 0) > 0) as counted,
            coalesce(c.phone_number = $2, false) as same_number,
            c.payment_method = 'demo' as demo
       from public.calls c where c.user_id = $1 and c.created_at > now() - interval '1 day'`, [req.userId, toNumber]);
  const now = new Date((await tx.query<{ now: Date }>('select now() as now')).rows[0]!.now);
  const zone = user.rows[0]!.timezone;
  const rows = recent.rows;
  const limitHit = (times: Date[], limit: number, windowMs: number, reason: string): void => {
    const at = windowResetAt(times, limit, windowMs, now);
    if (at) throw new Refusal(rateLimited(reason, at, now, zone));
  };
  const lastHour = rows.filter((c) => c.at.getTime() > now.getTime() - HOUR_MS);
  limitHit(lastHour.filter((c) => c.counted).map((c) => c.at), limits.callsPerUserPerHour, HOUR_MS,
    `You have had ${limits.callsPerUserPerHour} calls in the last hour.`);
  limitHit(lastHour.map((c) => c.at), limits.attemptsPerUserPerHour, HOUR_MS,
    `You have tried ${limits.attemptsPerUserPerHour} calls in the last hour, counting the ones nobody answered.`);
  if (toNumber) {
    limitHit(lastHour.filter((c) => c.counted && c.same_number).map((c) => c.at), limits.callsPerNumberPerHour, HOUR_MS,
      `This number has had ${limits.callsPerNumberPerHour} calls in the last hour.`);
  }
  // Call-now requests without an address share the "unknown" bucket; only scheduled calls (null) are exempt.
  if (req.clientIp && !req.dryRun) {
    const byIp = await tx.query<{ at: Date }>(
      `select created_at as at from public.calls where client_ip = $1 and created_at > now() - interval '1 hour'`, [req.clientIp]);
    limitHit(byIp.rows.map((r) => new Date(r.at)), limits.callsPerIpPerHour, HOUR_MS,
      'Many calls have been placed from your network in the last hour.');
  }

  const dbMethod = req.paymentMethod === 'subscription' ? 'credits' : req.paymentMethod;
  if (dbMethod === 'card') {
    // Only a card the user saved pays for a call; refused (card_missing) before anything is held or dialled.
    const saved = await tx.query<{ saved: boolean }>('select exists (select 1 from public.payment_cards where user_id = $1) as saved', [req.userId]);
    if (!saved.rows[0]?.saved) refuse('card_missing');
  }
  if (dbMethod === 'demo') {
    if (!deps.demoMode) refuse('invalid_input', 'Demo calls are only available in demo mode. Pay with credits or a card.');
    limitHit(rows.filter((c) => c.demo).map((c) => c.at), limits.demoCallsPerUserPerDay, DAY_MS,
      `You have used today\u2019s ${limits.demoCallsPerUserPerDay} demo calls.`);
  }

  // The allowance (private.call_allowance): the hold, the time limit and, when not even a one-minute call fits, which
  // limit refuses it and the sentence that says so. A browser call through Twilio's Voice SDK pays Twilio a client
  // leg and Media Streams; it is estimated as a phone line (which costs more per minute) to keep the hold on the safe
  // side. Softphone calls use no Twilio at all.
  const telephony = req.mode === 'phone' || deps.browserCallsViaTwilio === true;
  const requested = req.maxDurationMinutes ? req.maxDurationMinutes * 60 : null;
  const allowance = await tx.query<{ hold_cents: number; cutoff_cents: number; max_seconds: number; refusal: string | null; refusal_message: string | null }>(
    'select hold_cents, cutoff_cents, max_seconds, refusal, refusal_message from private.call_allowance($1, $2, $3, $4)',
    [req.userId, dbMethod, telephony, requested]);
  const a = allowance.rows[0];
  if (!a) refuse('internal_error');
  if (a!.refusal) refuse(a!.refusal as 'budget_exceeded_per_call' | 'budget_exceeded_monthly' | 'insufficient_credits', a!.refusal_message ?? undefined);
  const maxSeconds = a!.max_seconds;
  // What the call may cost: the hold (credits, card), or for a demo call what it may run up without being held.
  const estimate = a!.cutoff_cents;
  if (req.dryRun) {
    return { callId: '', toNumber, maxSeconds, estimate, reserved: 0, dbMethod, replayed: {
      call_id: '', status: 'estimate', mode: req.mode, max_duration_seconds: maxSeconds, estimated_cost_cents: estimate,
      reserved_credits: 0, payment_method: dbMethod, replayed: false
    } };
  }

  const inserted = await tx.query<{ id: string }>(
    `insert into public.calls (user_id, persona_id, scenario_template_id, scheduled_call_id, mode, phone_number_id, phone_number,
        custom_instructions, payment_method, max_duration_seconds, estimated_cost_cents, idempotency_key, relationship_id, client_ip)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
        (select r.id from public.user_persona_relationships r where r.user_id = $1 and r.persona_id = $2), $13)
     returning id`,
    [req.userId, req.personaId, req.scenarioTemplateId ?? null, req.scheduledCallId ?? null, req.mode, req.phoneNumberId ?? null,
     toNumber, req.customInstructions ?? null, dbMethod, maxSeconds, estimate, req.idempotencyKey ?? null,
     req.clientIp ?? null]
  );
  const callId = inserted.rows[0]!.id;
  let reserved = 0;
  if (dbMethod === 'credits') {
    await tx.query('select private.reserve_call_credits($1, $2, $3, $4)', [req.userId, callId, a!.hold_cents, `reserve:${callId}`]);
    reserved = a!.hold_cents;
  }
  return { callId, toNumber, maxSeconds, estimate, reserved, dbMethod, replayed: null };
}

async function undo(deps: PlaceCallDeps, callId: string, reason: string, endReason: string): Promise<void> {
  await inTransaction(deps.db, async (tx) => {
    await tx.query(
      `update public.calls set status = 'failed', end_reason = $2, error_message = $3
        where id = $1 and status in ${ACTIVE}`, [callId, endReason, reason]);
    await tx.query('select private.settle_finished_call($1)', [callId]);
  });
}

async function cancelCardHold(deps: PlaceCallDeps, callId: string): Promise<void> {
  const pi = (await deps.db.query<{ pi: string | null }>('select payment_intent_id as pi from public.calls where id = $1', [callId])).rows[0]?.pi;
  if (pi) await deps.cards?.cancel(pi).catch(() => undefined);
}

export async function placeCall(req: PlaceCallRequest, deps: PlaceCallDeps): Promise<PlaceCallResult> {
  let p: Prepared;
  try {
    p = await inTransaction(deps.db, (tx) => prepare(tx, req, deps));
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, error: err.error };
    const money = moneyRefusal(err);
    if (money) return { ok: false, error: money };
    if ((err as { code?: string }).code === '23505' && req.scheduledCallId) {
      return { ok: false, error: appError('conflict', 'This scheduled call has already been placed.') };
    }
    throw err;
  }
  if (p.replayed) return { ok: true, call: p.replayed };

  if (p.dbMethod === 'card') {
    if (!deps.cards) {
      await undo(deps, p.callId, 'Card payments are not available right now.', 'payment_failed');
      return { ok: false, error: appError('payment_failed', 'Card payments are not available right now. Pay with credits instead.') };
    }
    try {
      const { paymentIntentId } = await deps.cards.authorize(req.userId, p.callId, p.estimate);
      await deps.db.query('select private.record_card_hold($1, $2)', [p.callId, paymentIntentId]);
    } catch (err) {
      deps.log?.(`place-call: card hold failed for ${p.callId}: ${(err as Error).message}`);
      // A refusal carries the sentence for the person (no card saved, the bank's decline reason); anything else
      // is reported as a failed payment without internals.
      const refusal = (err as { error?: unknown }).error;
      const error = isAppError(refusal) ? refusal : appError('payment_failed');
      await undo(deps, p.callId, error.message, 'payment_failed');
      return { ok: false, error };
    }
  }

  let status = 'queued';
  if (req.mode === 'phone') {
    const base = deps.publicApiUrl.replace(/\/+$/, '');
    // Scheduled calls come with their dial second planned by the dispatcher; call-now takes one from the same pacer.
    if (!req.scheduledCallId) {
      const limits = deps.limits ?? DEFAULT_CALL_LIMITS;
      const slot = await deps.db.query<{ wait_ms: number }>(
        `select wait_ms from private.take_dial_slot($1, make_interval(secs => $2::double precision / 1000))`,
        [limits.callsPerSecond, limits.maxDialWaitMs]);
      const wait = slot.rows[0]?.wait_ms;
      if (wait === undefined) {
        const message = 'Lots of calls are starting right now. Nothing was charged; try again in a few seconds.';
        await undo(deps, p.callId, message, 'provider_error');
        if (p.dbMethod === 'card') await cancelCardHold(deps, p.callId);
        const now = new Date();
        return { ok: false, error: rateLimited('Lots of calls are starting right now. Nothing was charged.', new Date(now.getTime() + limits.maxDialWaitMs), now) };
      }
      if (wait > 0) await (deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(wait);
    }
    try {
      const call = await deps.twilio.createCall({
        to: p.toNumber!, from: deps.twilioFromNumber,
        url: `${base}/functions/v1/twilio-twiml?call_id=${p.callId}`,
        statusCallback: `${base}/functions/v1/twilio-status`,
        timeout: (deps.limits ?? DEFAULT_CALL_LIMITS).ringTimeoutSeconds,
        timeLimit: p.maxSeconds,
        machineDetection: true,
        asyncAmdStatusCallback: `${base}/functions/v1/twilio-amd?call_id=${p.callId}`
      });
      // Callbacks may already have moved the call on; only a call still at 'created' becomes 'queued'.
      const u = await deps.db.query<{ status: string }>(
        `update public.calls set twilio_call_sid = coalesce(twilio_call_sid, $2), dialed_at = now(),
                status = case when status = 'created' then 'queued' else status end
          where id = $1 returning status`, [p.callId, call.sid]);
      status = u.rows[0]?.status ?? status;
    } catch (err) {
      const message = err instanceof TwilioApiError ? `Twilio refused the call (${err.twilioCode ?? err.status}).` : 'Twilio did not answer.';
      deps.log?.(`place-call: ${p.callId}: ${(err as Error).message}`);
      await undo(deps, p.callId, message, 'provider_error');
      if (p.dbMethod === 'card') await cancelCardHold(deps, p.callId);
      return { ok: false, error: appError('provider_unavailable', 'We could not place the call right now. Nothing was charged; try again in a minute.') };
    }
  } else {
    await deps.db.query(`update public.calls set status = 'queued', dialed_at = now() where id = $1 and status = 'created'`, [p.callId]);
  }
  return {
    ok: true,
    call: {
      call_id: p.callId, status, mode: req.mode, max_duration_seconds: p.maxSeconds, estimated_cost_cents: p.estimate,
      reserved_credits: p.reserved, payment_method: p.dbMethod, replayed: false
    }
  };
}
