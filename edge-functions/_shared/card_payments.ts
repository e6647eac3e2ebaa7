// Pay-per-call by card: when a call is placed, the user's saved card is held for the call's estimate (a Stripe
// PaymentIntent with manual capture, confirmed off-session since the user is not at a payment page); when the call
// ends the hold is captured for what the call cost, or cancelled when it never connected. Every Stripe request
// carries an idempotency key derived from the call, and the database records the result once, so settling the same
// call from the status callback, a repeated callback and the reconciler captures exactly once.
import { appError, type AppError } from '../../core/src/errors.ts';
import type { Log } from '../../core/src/log_line.ts';
import type { CardPayments } from './place_call.ts';
import type { Queryable } from './queryable.ts';

/** What we read back from a PaymentIntent. */
export interface CardIntent {
  id: string;
  status: string;
  amount: number;
  amount_capturable: number;
  amount_received: number;
}

interface RequestOptions {
  idempotencyKey?: string;
}

/** The slice of the Stripe SDK used here; the real `Stripe` client satisfies it. */
export interface CardStripe {
  customers: {
    retrieve(id: string): Promise<unknown>;
    listPaymentMethods(id: string, params?: { type?: 'card'; limit?: number }): Promise<{ data: { id: string }[] }>;
  };
  paymentIntents: {
    create(params: {
      amount: number;
      currency: 'usd';
      customer: string;
      payment_method: string;
      capture_method: 'manual';
      confirm: true;
      off_session: true;
      description: string;
      metadata: Record<string, string>;
    }, options?: RequestOptions): Promise<CardIntent>;
    retrieve(id: string): Promise<CardIntent>;
    capture(id: string, params?: { amount_to_capture?: number }, options?: RequestOptions): Promise<CardIntent>;
    cancel(id: string, params?: { cancellation_reason?: 'abandoned' }, options?: RequestOptions): Promise<CardIntent>;
  };
}

/** A card call refused before anything was dialled; `error` is what the person placing the call is told. */
export class CardRefusal extends Error {
  readonly error: AppError;
  constructor(error: AppError) {
    super(error.message);
    this.name = 'CardRefusal';
    this.error = error;
  }
}

export const CARD_MISSING: AppError = appError('card_missing');

// Stripe refuses PaymentIntents under $0.50; a shorter call is held for that much and captured for what it cost.
export const MINIMUM_HOLD_CENTS = 50;

export type CardSettlement =
  | 'settled' | 'released' | 'failed'
  | 'already_settled' | 'already_released' | 'already_failed'
  | 'not_finished' | 'waiting_for_media' | 'unknown_call';

export interface CardPaymentsService extends CardPayments {
  /** Settles a finished card-paid call: capture the hold for the actual cost, or cancel it. Safe to repeat. */
  settleCardCall(callId: string): Promise<CardSettlement>;
}

interface StripeErrorShape {
  type?: string;
  rawType?: string;
  code?: string;
  decline_code?: string;
  message?: string;
  payment_intent?: { id?: string; status?: string };
  raw?: { payment_intent?: { id?: string } };
}

function cardError(err: unknown): StripeErrorShape | null {
  const e = err as StripeErrorShape | null;
  return e && (e.type === 'StripeCardError' || e.rawType === 'card_error') ? e : null;
}

/** The sentence for a declined hold: Stripe's reason (written for cardholders) and what to do instead. */
export function declineSentence(err: StripeErrorShape): string {
  if (err.code === 'authentication_required') {
    return 'Your bank wants you to approve this payment, which cannot happen while the persona is calling you. Pay with credits, or use another card.';
  }
  const reason = (err.message ?? 'Your card was declined.').trim().replace(/([^.!?])$/, '$1.');
  return `The card payment did not go through: ${reason} Try another card or pay with credits.`;
}

/**
 * Settles a finished call, whoever asks (status callback, reconciler): private.settle_finished_call charges or
 * releases credits and demo calls; a card-paid call is then captured or cancelled at Stripe. `graceSeconds`: how long
 * an ended call waits for the relay's usage (SQL's default when absent). Without card payments configured a card call
 * stays at card_capture_required for a later run.
 */
export async function settleFinishedCall(
  db: Queryable, cards: Pick<CardPaymentsService, 'settleCardCall'> | undefined, callId: string, graceSeconds?: number
): Promise<string> {
  const r = graceSeconds === undefined
    ? await db.query<{ s: string }>('select private.settle_finished_call($1) as s', [callId])
    : await db.query<{ s: string }>('select private.settle_finished_call($1, make_interval(secs => $2)) as s', [callId, graceSeconds]);
  const outcome = r.rows[0]!.s;
  return outcome === 'card_capture_required' && cards ? cards.settleCardCall(callId) : outcome;
}

export function stripeCardPayments(stripe: CardStripe, db: Queryable, log: Log = () => undefined): CardPaymentsService {
  /** The customer's default card, else the card saved most recently; null when there is none. */
  async function defaultCard(customerId: string): Promise<string | null> {
    const customer = (await stripe.customers.retrieve(customerId)) as {
      deleted?: boolean;
      invoice_settings?: { default_payment_method?: string | { id: string } | null } | null;
    };
    if (customer.deleted) return null;
    const preferred = customer.invoice_settings?.default_payment_method;
    if (preferred) return typeof preferred === 'string' ? preferred : preferred.id;
    const saved = await stripe.customers.listPaymentMethods(customerId, { type: 'card', limit: 1 });
    return saved.data[0]?.id ?? null;
  }

  /** Cancels a hold; a hold already cancelled (or captured) is reported as it is instead of failing. */
  async function cancelHold(paymentIntentId: string): Promise<CardIntent> {
    try {
      return await stripe.paymentIntents.cancel(paymentIntentId, { cancellation_reason: 'abandoned' },
                                                { idempotencyKey: `call-cancel:${paymentIntentId}` });
    } catch (err) {
      const pi = await stripe.paymentIntents.retrieve(paymentIntentId);
      if (pi.status === 'canceled' || pi.status === 'succeeded') return pi;
      throw err;
    }
  }

  async function record(paymentIntentId: string, pi: CardIntent): Promise<CardSettlement> {
    const captured = pi.status === 'succeeded' && pi.amount_received > 0;
    const r = await db.query<{ outcome: CardSettlement }>(
      'select private.record_card_settlement($1, $2, $3) as outcome',
      [paymentIntentId, captured ? 'captured' : 'canceled', captured ? pi.amount_received : 0]);
    return r.rows[0]!.outcome;
  }

  return {
    async authorize(userId, callId, amountCents) {
      const u = await db.query<{ customer: string | null }>('select stripe_customer_id as customer from public.users where id = $1', [userId]);
      const customer = u.rows[0]?.customer;
      if (!customer) throw new CardRefusal(CARD_MISSING);
      const card = await defaultCard(customer);
      if (!card) throw new CardRefusal(CARD_MISSING);
      let pi: CardIntent;
      try {
        pi = await stripe.paymentIntents.create({
          amount: Math.max(amountCents, MINIMUM_HOLD_CENTS), currency: 'usd', customer, payment_method: card,
          capture_method: 'manual', confirm: true, off_session: true, description: 'Call Me Back call',
          metadata: { call_id: callId, user_id: userId }
        }, { idempotencyKey: `call-auth:${callId}` });
      } catch (err) {
        const declined = cardError(err);
        if (!declined) throw err;
        // A declined PaymentIntent stays open waiting for another card; close it so nothing lingers.
        const open = declined.payment_intent?.id ?? declined.raw?.payment_intent?.id;
        if (open) await cancelHold(open).catch(() => undefined);
        log(`card-payments: hold for call ${callId} declined (${declined.decline_code ?? declined.code ?? 'card_error'})`, { call_id: callId });
        throw new CardRefusal(appError('payment_failed', declineSentence(declined)));
      }
      if (pi.status !== 'requires_capture') {
        // Anything but an authorised hold (the bank asking for authentication, say) cannot pay for this call.
        await cancelHold(pi.id).catch(() => undefined);
        throw new CardRefusal(appError('payment_failed', declineSentence({ code: pi.status === 'requires_action' ? 'authentication_required' : undefined })));
      }
      return { paymentIntentId: pi.id };
    },

    async cancel(paymentIntentId) {
      const pi = await cancelHold(paymentIntentId);
      await record(paymentIntentId, pi);
    },

    async settleCardCall(callId) {
      const plan = (await db.query<{ outcome: CardSettlement | 'card_capture_required'; action: 'none' | 'capture' | 'cancel'; payment_intent_id: string | null; amount_cents: number | null }>(
        'select * from private.begin_card_settlement($1)', [callId])).rows[0]!;
      if (plan.action === 'none') return plan.outcome as CardSettlement;
      const piId = plan.payment_intent_id!;
      if (plan.action === 'cancel') return record(piId, await cancelHold(piId));

      let pi = await stripe.paymentIntents.retrieve(piId);
      if (pi.status === 'requires_capture') {
        try {
          pi = await stripe.paymentIntents.capture(piId, { amount_to_capture: Math.min(plan.amount_cents!, pi.amount_capturable) },
                                                   { idempotencyKey: `call-capture:${callId}` });
        } catch (err) {
          // A concurrent settlement may have captured it first; what Stripe holds now is the truth.
          pi = await stripe.paymentIntents.retrieve(piId);
          if (pi.status !== 'succeeded') throw err;
        }
      }
      if (pi.status === 'canceled') log(`card-payments: hold ${piId} for call ${callId} was already cancelled (expired?); nothing charged`, { level: 'warn', call_id: callId });
      if (pi.status !== 'succeeded' && pi.status !== 'canceled') {
        throw new Error(`PaymentIntent ${piId} for call ${callId} is ${pi.status}; it can be neither captured nor recorded yet.`);
      }
      return record(piId, pi);
    }
  };
}
