// Stripe webhooks. The signature is checked on the raw body (constructEventAsync, Web Crypto); events signed more
// than 5 minutes ago or more than a minute in the future are refused; the event is recorded and its effect applied
// in ONE database call (one transaction), so a duplicate, a retry or a crash half-way never moves money twice or
// leaves half an effect. Answers: 200 when applied, ignored (unknown type) or a duplicate; 400 when the request is
// not a valid signed event; 200 with status failed when the event can never be applied (it conflicts with what was
// applied, holds a value out of range, names nothing we know): Stripe would retry it for three days in vain, so it
// is kept in private.webhook_anomalies for a person instead; 500 for transient failures, so Stripe retries.
import { permanentSqlError, sqlMoneyError } from '../_shared/sql_errors.ts';
import { fail, json } from '../_shared/responses.ts';

export const SIGNATURE_TOLERANCE_SECONDS = 300;
export const FUTURE_TOLERANCE_SECONDS = 60;

export interface VerifiedEvent {
  id: string;
  type: string;
  livemode: boolean;
  created: number;
  [key: string]: unknown;
}

/** Why an event can never be applied, with the event as received. */
export interface EventFailure {
  event: VerifiedEvent;
  raw: string;
  code: string;
  reason: string;
}

// A customer we do not know yet may be a race with the customer link: worth Stripe's retries.
const TRANSIENT_REFUSALS = ['unknown_customer'];

export interface StripeWebhookDeps {
  webhookSecret: string;
  /** stripe.webhooks.constructEventAsync(raw, header, secret, tolerance, cryptoProvider, receivedAtMs). */
  constructEvent: (raw: string, header: string, secret: string, toleranceSeconds: number, receivedAtMs: number) => Promise<VerifiedEvent>;
  /** Fetches from Stripe what the event needs before it is ingested (see expand.ts); absent: nothing to fetch. */
  expand?: (event: VerifiedEvent) => Promise<VerifiedEvent>;
  /** Records the event and applies its effect in one transaction: private.ingest_stripe_event. */
  ingest: (event: VerifiedEvent) => Promise<{ status: string }>;
  /** Keeps a permanently unusable event for a person to look at (outside the failed transaction). */
  recordFailed: (failure: EventFailure) => Promise<void>;
  /** Accept only events of this mode (false: test mode). */
  liveMode: boolean;
  nowMs: () => number;
  log: (line: string) => void;
}

function signedAt(header: string): number | null {
  for (const part of header.split(',')) {
    const [k, v] = part.split('=', 2);
    if (k?.trim() === 't' && v && /^\d{1,12}$/.test(v.trim())) return Number(v.trim());
  }
  return null;
}

export async function handleStripeWebhook(req: Request, deps: StripeWebhookDeps): Promise<Response> {
  if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'Stripe webhooks are delivered with POST.');
  const header = req.headers.get('stripe-signature');
  if (!header) return fail(400, 'signature_missing', 'The request has no Stripe-Signature header; only Stripe can call this endpoint.');
  const raw = await req.text();   // the exact bytes Stripe signed; never re-serialised

  const now = deps.nowMs();
  const t = signedAt(header);
  if (t === null) return fail(400, 'signature_invalid', 'The Stripe-Signature header has no timestamp.');
  if (t > Math.floor(now / 1000) + FUTURE_TOLERANCE_SECONDS) {
    return fail(400, 'timestamp_in_future', 'The event is signed with a time in the future; check this server\'s clock (NTP).');
  }

  let event: VerifiedEvent;
  try {
    event = await deps.constructEvent(raw, header, deps.webhookSecret, SIGNATURE_TOLERANCE_SECONDS, now);
  } catch (err) {
    const message = (err as Error).message ?? '';
    if (/tolerance/i.test(message)) {
      return fail(400, 'timestamp_too_old', 'The event was signed more than 5 minutes ago; it may be a replay. Stripe will retry with a fresh signature.');
    }
    return fail(400, 'signature_invalid', 'The Stripe signature does not match this payload and secret.');
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return fail(400, 'event_invalid', 'The payload is signed but is not a Stripe event object.');
  }
  if (event.livemode !== deps.liveMode) {
    return fail(400, 'wrong_mode', `This endpoint accepts ${deps.liveMode ? 'live' : 'test'}-mode events only.`);
  }

  try {
    // A Stripe failure here is transient like a database one: nothing was applied, and Stripe retries.
    const result = await deps.ingest(deps.expand ? await deps.expand(event) : event);
    return json(200, { received: true, status: result.status });
  } catch (err) {
    const permanent = permanentSqlError(err, TRANSIENT_REFUSALS);
    if (permanent) {
      // Retrying the same payload cannot succeed. Keep it for a person and answer 200 so Stripe stops.
      deps.log(`stripe-webhook: ${String(event.type).slice(0, 80)} ${String(event.id).slice(0, 80)} cannot be applied: ${permanent.code}: ${permanent.message}`);
      await deps.recordFailed({ event, raw, code: permanent.code, reason: permanent.message })
        .catch((e) => deps.log(`stripe-webhook: could not record ${String(event.id).slice(0, 80)}: ${(e as Error).message}`));
      return json(200, { received: true, status: 'failed', code: permanent.code });
    }
    // Transient (database down, customer link not there yet): nothing was applied; Stripe retries.
    deps.log(`stripe-webhook: ${String(event.type).slice(0, 80)} ${String(event.id).slice(0, 80)} failed, Stripe will retry: ${(err as Error).message}`);
    return fail(500, sqlMoneyError(err)?.code ?? 'internal_error', 'The event could not be applied right now; it will be retried.');
  }
}
