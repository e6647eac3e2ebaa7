// A local stand-in for the Stripe API, spoken by the real `stripe` SDK pointed at it
// (`new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' })`). It keeps customers, saved cards (Stripe's
// test payment methods such as `pm_card_visa`, attached to customers), prices, Checkout Sessions, PaymentIntents
// (automatic and manual capture, off-session), charges, refunds, subscriptions and invoices in memory,
// serves a local checkout page with Pay and Cancel buttons, and emits the events Stripe would emit, signed, to
// the configured webhook URL with retries; the account's balance and its one webhook endpoint can be read, as a
// preflight does. Nothing here moves real money.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isKnownApiVersion } from './api_versions.ts';
import { checkoutPage, closedPage } from './checkout_page.ts';
import { bool, int, list, metadata, obj, parseForm, str, type FormObject } from './form.ts';
import { IdempotencyStore } from './idempotency.ts';
import { WebhookSender, type DeliveryRecord, type StripeEvent } from './webhooks.ts';

export const STAND_IN_API_VERSION = '2026-02-25.clover';

export interface StripeStandInOptions {
  port: number;
  host?: string;
  /** Where events are POSTed; null keeps them only in the event list. */
  webhookUrl: string | null;
  webhookSecret: string;
  /** Accepted API key; any `sk_test_` key when omitted. */
  secretKey?: string;
  retryDelaysMs?: number[];
  /** The account's default API version: responses to unpinned requests and events use it. */
  apiVersion?: string;
  /** The API version the webhook endpoint was created with; events then carry it instead of the account's. */
  webhookApiVersion?: string;
  /** Milliseconds since the epoch, for idempotency-key expiry (tests move it). */
  clock?: () => number;
  log?: (line: string) => void;
}

export interface StripeStandIn {
  url: string;
  port: number;
  /** Events emitted so far, oldest first. */
  events: StripeEvent[];
  deliveries: Map<string, DeliveryRecord>;
  /** Resolves when every webhook has been delivered or given up. */
  webhooksIdle: () => Promise<void>;
  close: () => Promise<void>;
}

type Obj = Record<string, unknown>;

class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly extra: Obj;

  constructor(status: number, type: string, message: string, code?: string, param?: string, extra: Obj = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.extra = extra;
  }
}

const missing = (param: string) =>
  new ApiError(400, 'invalid_request_error', `Missing required param: ${param}.`, 'parameter_missing', param);
const invalid = (param: string, message: string) =>
  new ApiError(400, 'invalid_request_error', message, 'parameter_invalid', param);
const notFound = (kind: string, id: string) =>
  new ApiError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', 'id');

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return `${prefix}_${out}`;
}

const now = () => Math.floor(Date.now() / 1000);

function addMonths(unix: number, months: number): number {
  const d = new Date(unix * 1000);
  d.setUTCMonth(d.getUTCMonth() + months);
  return Math.floor(d.getTime() / 1000);
}

function periodEnd(start: number, interval: string, count: number): number {
  switch (interval) {
    case 'day': return start + 86400 * count;
    case 'week': return start + 7 * 86400 * count;
    case 'year': return addMonths(start, 12 * count);
    default: return addMonths(start, count);
  }
}

/** Stripe's test payment methods: what the card looks like and how it behaves when charged. */
interface TestCard {
  brand: string;
  last4: string;
  decline?: { code: string; decline_code?: string; message: string };
  /** The bank asks the cardholder to authenticate (3-D Secure): impossible off-session. */
  authentication?: boolean;
}
const GENERIC_DECLINE = { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { brand: 'visa', last4: '4242' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444' },
  pm_card_amex: { brand: 'amex', last4: '8431' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', decline: GENERIC_DECLINE },
  pm_card_visa_chargeDeclined: { brand: 'visa', last4: '0002', decline: GENERIC_DECLINE },
  pm_card_chargeDeclinedInsufficientFunds: { brand: 'visa', last4: '9995',
    decline: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' } },
  pm_card_chargeDeclinedExpiredCard: { brand: 'visa', last4: '0069',
    decline: { code: 'expired_card', message: 'Your card has expired.' } },
  pm_card_authenticationRequired: { brand: 'visa', last4: '3155', authentication: true }
};

export async function startStripeStandIn(opts: StripeStandInOptions): Promise<StripeStandIn> {
  const log = opts.log ?? (() => undefined);
  const host = opts.host ?? '127.0.0.1';
  const sender = new WebhookSender({
    url: opts.webhookUrl, secret: opts.webhookSecret, log,
    retryDelaysMs: opts.retryDelaysMs ?? [1_000, 5_000, 30_000, 120_000, 600_000]
  });
  const events: StripeEvent[] = [];
  const store = {
    customers: new Map<string, Obj>(),
    paymentMethods: new Map<string, Obj>(),
    prices: new Map<string, Obj>(),
    sessions: new Map<string, Obj>(),
    paymentIntents: new Map<string, Obj>(),
    charges: new Map<string, Obj>(),
    refunds: new Map<string, Obj>(),
    subscriptions: new Map<string, Obj>(),
    invoices: new Map<string, Obj>(),
    invoicePayments: new Map<string, Obj[]>(),
    setupIntents: new Map<string, Obj>()
  };
  const idempotency = new IdempotencyStore(opts.clock);
  const accountVersion = opts.apiVersion ?? STAND_IN_API_VERSION;
  for (const v of [accountVersion, opts.webhookApiVersion]) {
    if (v !== undefined && !isKnownApiVersion(v)) throw new Error(`Stripe stand-in: unknown API version ${v}.`);
  }
  let baseUrl = '';
  // The one webhook endpoint the account has: where events are sent, subscribed to every event type.
  const webhookEndpoint: Obj | null = opts.webhookUrl
    ? {
        id: newId('we'), object: 'webhook_endpoint', api_version: opts.webhookApiVersion ?? null, application: null, created: now(),
        description: 'devstack', enabled_events: ['*'], livemode: false, metadata: {}, status: 'enabled', url: opts.webhookUrl
      }
    : null;

  function emit(type: string, object: Obj, previous?: Obj): StripeEvent {
    const event: StripeEvent = {
      id: newId('evt'), object: 'event', api_version: opts.webhookApiVersion ?? accountVersion, created: now(),
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false, pending_webhooks: opts.webhookUrl ? 1 : 0, request: { id: null, idempotency_key: null }, type
    };
    events.push(event);
    sender.send(event);
    return event;
  }

  function get(map: Map<string, Obj>, kind: string, id: string): Obj {
    const o = map.get(id);
    if (!o) throw notFound(kind, id);
    return o;
  }

  // Prices ------------------------------------------------------------------------------------------------------
  function priceFrom(data: FormObject | undefined, priceId: string | undefined, param: string): Obj {
    if (priceId) return get(store.prices, 'price', priceId);
    if (!data) throw missing(`${param}[price] or ${param}[price_data]`);
    const unit = int(data.unit_amount);
    if (unit === undefined || unit < 0) throw invalid(`${param}[price_data][unit_amount]`, 'unit_amount must be a non-negative integer of the smallest currency unit.');
    const currency = str(data.currency);
    if (!currency) throw missing(`${param}[price_data][currency]`);
    const recurring = obj(data.recurring);
    const product = str(data.product) ?? newId('prod', 14);
    const price: Obj = {
      id: newId('price'), object: 'price', active: true, currency, unit_amount: unit,
      product, nickname: str(obj(data.product_data)?.name) ?? null,
      recurring: recurring ? { interval: str(recurring.interval) ?? 'month', interval_count: int(recurring.interval_count) ?? 1 } : null,
      type: recurring ? 'recurring' : 'one_time', metadata: metadata(data.metadata), created: now(), livemode: false
    };
    store.prices.set(price.id as string, price);
    return price;
  }

  // Payment methods ------------------------------------------------------------------------------------------
  /** A stored payment method, or a fresh one made from a test token (as Stripe does each time one is used). */
  function paymentMethod(id: string, param = 'payment_method'): Obj {
    const stored = store.paymentMethods.get(id);
    if (stored) return stored;
    const card = TEST_CARDS[id];
    if (!card) throw new ApiError(400, 'invalid_request_error', `No such PaymentMethod: '${id}'`, 'resource_missing', param);
    const pm: Obj = {
      id: newId('pm'), object: 'payment_method', type: 'card', customer: null, metadata: {},
      card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, country: 'US', funding: 'credit' },
      billing_details: { address: null, email: null, name: null, phone: null }, created: now(), livemode: false,
      // Kept to decide how charges behave; not part of Stripe's object.
      _test_card: id
    };
    store.paymentMethods.set(pm.id as string, pm);
    return pm;
  }

  function publicPm(pm: Obj): Obj {
    return Object.fromEntries(Object.entries(pm).filter(([k]) => !k.startsWith('_')));
  }

  function attach(id: string, customer: string): Obj {
    get(store.customers, 'customer', customer);
    const pm = paymentMethod(id);
    if (pm.customer && pm.customer !== customer) {
      throw new ApiError(400, 'invalid_request_error', 'The payment method you provided has already been attached to a customer.', 'payment_method_unexpected_state');
    }
    if (!pm.customer) {
      pm.customer = customer;
      emit('payment_method.attached', publicPm(pm));
    }
    return pm;
  }

  function detach(pm: Obj): Obj {
    if (!pm.customer) {
      throw new ApiError(400, 'invalid_request_error', 'The payment method you provided is not attached to a customer so detachment is impossible.', 'payment_method_unexpected_state');
    }
    const c = store.customers.get(pm.customer as string);
    const settings = c?.invoice_settings as Obj | undefined;
    if (settings && settings.default_payment_method === pm.id) settings.default_payment_method = null;
    pm.customer = null;
    emit('payment_method.detached', publicPm(pm));
    return pm;
  }

  function customerPaymentMethods(customer: string, query: URLSearchParams): Obj {
    get(store.customers, 'customer', customer);
    const type = query.get('type');
    const limit = Math.min(Number(query.get('limit') ?? 10), 100);
    // Newest first, as Stripe lists them.
    const data = [...store.paymentMethods.values()].reverse()
      .filter((pm) => pm.customer === customer && (!type || pm.type === type)).slice(0, limit).map(publicPm);
    return { object: 'list', data, has_more: false, url: `/v1/customers/${customer}/payment_methods` };
  }

  // Payments ----------------------------------------------------------------------------------------------------
  function createCharge(pi: Obj, captured: boolean): Obj {
    const charge: Obj = {
      id: newId('ch'), object: 'charge', amount: pi.amount, amount_captured: captured ? pi.amount : 0, amount_refunded: 0,
      captured, refunded: false, currency: pi.currency, customer: pi.customer, payment_intent: pi.id,
      payment_method: pi.payment_method,
      metadata: { ...(pi.metadata as Obj) }, description: pi.description ?? null, status: 'succeeded', paid: true, created: now(), livemode: false,
      refunds: { object: 'list', data: [], has_more: false, total_count: 0, url: '' }
    };
    store.charges.set(charge.id as string, charge);
    pi.latest_charge = charge.id;
    return charge;
  }

  function decline(pi: Obj, error: { code: string; decline_code?: string; message: string }): never {
    pi.status = 'requires_payment_method';
    pi.last_payment_error = { type: 'card_error', ...error, payment_method: { id: pi.payment_method } };
    emit('payment_intent.payment_failed', pi);
    throw new ApiError(402, 'card_error', error.message, error.code, undefined,
      { ...(error.decline_code ? { decline_code: error.decline_code } : {}), payment_intent: structuredClone(pi) });
  }

  function confirmIntent(pi: Obj, paymentMethodId: string | undefined, offSession = false): void {
    if (pi.status !== 'requires_payment_method' && pi.status !== 'requires_confirmation') {
      throw new ApiError(400, 'invalid_request_error',
        `This PaymentIntent's status is ${pi.status}, so it cannot be confirmed.`, 'payment_intent_unexpected_state');
    }
    const pmId = paymentMethodId ?? (pi.payment_method as string | null) ?? undefined;
    if (!pmId) throw missing('payment_method');
    const pm = paymentMethod(pmId);
    if (pm.customer && pi.customer !== pm.customer) {
      throw new ApiError(400, 'invalid_request_error',
        `The provided PaymentMethod belongs to a different Customer than the one on this PaymentIntent (${pi.customer ?? 'none'}).`, 'parameter_invalid', 'payment_method');
    }
    pi.payment_method = pm.id;
    const card = TEST_CARDS[pm._test_card as string]!;
    if (card.decline) decline(pi, card.decline);
    if (card.authentication) {
      if (offSession) {
        decline(pi, { code: 'authentication_required', decline_code: 'authentication_required',
                      message: 'Your card was declined. This transaction requires authentication.' });
      }
      pi.status = 'requires_action';
      pi.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: {} };
      emit('payment_intent.requires_action', pi);
      return;
    }
    pi.last_payment_error = null;
    if (pi.capture_method === 'manual') {
      pi.status = 'requires_capture';
      pi.amount_capturable = pi.amount;
      // Stripe reports the authorised (not yet captured) charge as succeeded, with captured false.
      emit('charge.succeeded', createCharge(pi, false));
      emit('payment_intent.amount_capturable_updated', pi);
    } else {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      const charge = createCharge(pi, true);
      emit('charge.succeeded', charge);
      emit('payment_intent.succeeded', pi);
    }
  }

  /** A PaymentIntent as Stripe shapes it, with `fields` over the defaults of a new one; kept in the store. */
  function storePaymentIntent(fields: Obj): Obj {
    const id = newId('pi');
    const pi: Obj = {
      id, object: 'payment_intent', amount: 0, amount_capturable: 0, amount_received: 0, currency: 'usd', customer: null,
      capture_method: 'automatic', status: 'requires_payment_method', metadata: {}, description: null, payment_method: null,
      client_secret: `${id}_secret_${newId('s', 16).slice(2)}`, latest_charge: null, last_payment_error: null,
      canceled_at: null, cancellation_reason: null, setup_future_usage: null, next_action: null,
      created: now(), livemode: false, ...fields
    };
    store.paymentIntents.set(id, pi);
    return pi;
  }

  function newPaymentIntent(f: FormObject): Obj {
    const amount = int(f.amount);
    if (amount === undefined) throw missing('amount');
    if (amount < 50) throw invalid('amount', 'Amount must be at least $0.50 usd');
    const currency = str(f.currency);
    if (!currency) throw missing('currency');
    const customer = str(f.customer) ?? null;
    if (customer) get(store.customers, 'customer', customer);
    const captureMethod = str(f.capture_method) ?? 'automatic';
    if (!['automatic', 'automatic_async', 'manual'].includes(captureMethod)) throw invalid('capture_method', `Invalid capture_method: ${captureMethod}`);
    // off_session is a flag of the confirmation, so Stripe only takes it together with confirm=true.
    const offSession = f.off_session === 'true' || f.off_session === 'one_off' || f.off_session === 'recurring';
    if (offSession && !bool(f.confirm)) throw invalid('off_session', 'You may only specify off_session when confirm is true.');
    const setupFutureUsage = str(f.setup_future_usage) ?? null;
    if (setupFutureUsage && !['on_session', 'off_session'].includes(setupFutureUsage)) throw invalid('setup_future_usage', `Invalid setup_future_usage: ${setupFutureUsage}`);
    const pi = storePaymentIntent({
      amount, currency, customer, capture_method: captureMethod === 'manual' ? 'manual' : 'automatic',
      status: str(f.payment_method) ? 'requires_confirmation' : 'requires_payment_method',
      metadata: metadata(f.metadata), description: str(f.description) ?? null, payment_method: str(f.payment_method) ?? null,
      setup_future_usage: setupFutureUsage
    });
    emit('payment_intent.created', pi);
    if (bool(f.confirm)) confirmIntent(pi, str(f.payment_method), offSession);
    return pi;
  }

  function capture(pi: Obj, f: FormObject): Obj {
    if (pi.status !== 'requires_capture') {
      throw new ApiError(400, 'invalid_request_error',
        `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
        'payment_intent_unexpected_state');
    }
    const amount = int(f.amount_to_capture) ?? (pi.amount_capturable as number);
    if (amount <= 0 || amount > (pi.amount_capturable as number)) {
      throw invalid('amount_to_capture', `amount_to_capture must be between 1 and the amount capturable (${pi.amount_capturable}).`);
    }
    pi.status = 'succeeded';
    pi.amount_received = amount;
    pi.amount_capturable = 0;
    const charge = store.charges.get(pi.latest_charge as string)!;
    charge.captured = true;
    charge.amount_captured = amount;
    // The uncaptured remainder goes back to the card: Stripe reports it as refunded.
    if (amount < (charge.amount as number)) charge.amount_refunded = (charge.amount as number) - amount;
    emit('charge.captured', charge);
    emit('payment_intent.succeeded', pi);
    return pi;
  }

  function cancelIntent(pi: Obj, reason: string | undefined): Obj {
    if (!['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action'].includes(pi.status as string)) {
      throw new ApiError(400, 'invalid_request_error',
        `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`, 'payment_intent_unexpected_state');
    }
    const held = pi.status === 'requires_capture' ? store.charges.get(pi.latest_charge as string) : undefined;
    pi.status = 'canceled';
    pi.amount_capturable = 0;
    pi.canceled_at = now();
    pi.cancellation_reason = reason ?? null;
    if (held) {
      // Releasing an authorisation refunds the uncaptured charge in full, as Stripe reports it.
      held.amount_refunded = held.amount;
      held.refunded = true;
      emit('charge.refunded', held);
    }
    emit('payment_intent.canceled', pi);
    return pi;
  }

  function refund(f: FormObject): Obj {
    const chargeId = str(f.charge) ?? (str(f.payment_intent) ? get(store.paymentIntents, 'payment_intent', str(f.payment_intent)!).latest_charge as string : undefined);
    if (!chargeId) throw missing('charge or payment_intent');
    const charge = get(store.charges, 'charge', chargeId);
    const refundable = (charge.amount_captured as number) - (charge.amount_refunded as number);
    const amount = int(f.amount) ?? refundable;
    if (!charge.captured || amount <= 0 || amount > refundable) {
      throw new ApiError(400, 'invalid_request_error',
        `Refund amount (${amount}) is greater than the unrefunded amount on the charge (${refundable}).`, 'amount_too_large', 'amount');
    }
    const r: Obj = {
      id: newId('re'), object: 'refund', amount, charge: chargeId, payment_intent: charge.payment_intent, currency: charge.currency,
      status: 'succeeded', reason: str(f.reason) ?? null, metadata: metadata(f.metadata), created: now()
    };
    store.refunds.set(r.id as string, r);
    charge.amount_refunded = (charge.amount_refunded as number) + amount;
    charge.refunded = charge.amount_refunded === charge.amount_captured;
    const refunds = charge.refunds as { data: Obj[]; total_count: number };
    refunds.data.unshift(r);
    refunds.total_count += 1;
    emit('refund.created', r);
    emit('charge.refunded', charge);
    return r;
  }

  // Subscriptions and invoices ------------------------------------------------------------------------------------
  interface InvoiceLine { amount: number; price: Obj; quantity: number; description: string | null; proration: boolean }

  /**
   * Issues a subscription invoice and pays it (or, with `fail`, fails to). Without `lines`, one line: the period at
   * the item's price. A total below zero (a downgrade's proration) is owed to the customer: it goes to their credit
   * balance and nothing is charged.
   */
  function payInvoice(sub: Obj, reason: 'subscription_create' | 'subscription_cycle' | 'subscription_update', fail = false, lines?: InvoiceLine[]): Obj {
    const item = (sub.items as { data: Obj[] }).data[0]!;
    const price = item.price as Obj;
    const billed = lines ?? [{ amount: (price.unit_amount as number) * ((item.quantity as number) ?? 1), price, quantity: (item.quantity as number) ?? 1, description: null, proration: false }];
    const total = billed.reduce((n, l) => n + l.amount, 0);
    const amount = Math.max(0, total);
    const customer = store.customers.get(sub.customer as string);
    if (total < 0 && customer) customer.balance = ((customer.balance as number | undefined) ?? 0) + total;
    const inv: Obj = {
      id: newId('in'), object: 'invoice', customer: sub.customer, subscription: sub.id,
      parent: { type: 'subscription_details', quote_details: null,
                subscription_details: { subscription: sub.id, metadata: { ...(sub.metadata as Obj) } } },
      billing_reason: reason, currency: price.currency, total, subtotal: total, amount_due: amount, amount_paid: fail ? 0 : amount,
      amount_remaining: fail ? amount : 0, status: fail ? 'open' : 'paid', attempted: amount > 0, paid: !fail,
      ending_balance: customer ? ((customer.balance as number | undefined) ?? 0) : null,
      period_start: sub.current_period_start, period_end: sub.current_period_end,
      lines: { object: 'list', has_more: false, data: billed.map((l) => ({
        id: newId('il'), object: 'line_item', amount: l.amount, currency: l.price.currency, quantity: l.quantity, description: l.description,
        period: { start: l.proration ? now() : sub.current_period_start, end: sub.current_period_end },
        parent: { type: 'subscription_item_details', subscription_item_details: { proration: l.proration, subscription: sub.id, subscription_item: item.id } },
        pricing: { price_details: { price: l.price.id, product: l.price.product } }, metadata: { ...(sub.metadata as Obj) }
      })) },
      metadata: {}, created: now(), livemode: false
    };
    store.invoices.set(inv.id as string, inv);
    sub.latest_invoice = inv.id;
    emit('invoice.created', inv);
    emit('invoice.finalized', inv);
    if (fail) {
      emit('invoice.payment_failed', inv);
    } else if (amount === 0) {
      emit('invoice.paid', inv);
      emit('invoice.payment_succeeded', inv);
    } else {
      // The invoice is paid by a PaymentIntent of its own, with a charge on the customer's card. Since 2025-03-31.basil
      // neither names the invoice (the invoice lists its payments instead); Stripe describes them by the reason.
      const pi = storePaymentIntent({
        amount, amount_received: amount, currency: price.currency, customer: sub.customer, status: 'succeeded',
        description: reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
        payment_method: sub.default_payment_method ?? null
      });
      const piId = pi.id as string;
      const charge = createCharge(pi, true);
      // `payments` is includable: Stripe sends it only when asked (expand[]=payments), never in an event.
      store.invoicePayments.set(inv.id as string, [{
        id: newId('inpay'), object: 'invoice_payment', invoice: inv.id, amount_paid: amount, amount_requested: amount,
        currency: price.currency, is_default: true, status: 'paid', payment: { type: 'payment_intent', payment_intent: piId },
        created: now(), livemode: false
      }]);
      emit('charge.succeeded', charge);
      emit('payment_intent.succeeded', pi);
      emit('invoice.paid', inv);
      emit('invoice.payment_succeeded', inv);
    }
    return inv;
  }

  function newSubscription(customer: string, price: Obj, quantity: number, meta: Record<string, string>): Obj {
    if (!price.recurring) throw invalid('items[0][price]', 'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.');
    const start = now();
    const recurring = price.recurring as { interval: string; interval_count: number };
    const end = periodEnd(start, recurring.interval, recurring.interval_count);
    const id = newId('sub');
    const sub: Obj = {
      id, object: 'subscription', customer, status: 'active', metadata: meta, cancel_at_period_end: false,
      canceled_at: null, ended_at: null, created: start, start_date: start, current_period_start: start, current_period_end: end,
      items: { object: 'list', has_more: false, data: [{
        id: newId('si'), object: 'subscription_item', subscription: id, price, quantity,
        current_period_start: start, current_period_end: end
      }] },
      latest_invoice: null, livemode: false
    };
    store.subscriptions.set(id, sub);
    emit('customer.subscription.created', sub);
    payInvoice(sub, 'subscription_create');
    return sub;
  }

  const PRORATION_BEHAVIORS = ['create_prorations', 'none', 'always_invoice'];

  /**
   * Subscription update: cancel_at_period_end (cancel at the end of the period, or resume), metadata, and a new price
   * for an item. A canceled subscription takes only metadata (and cancellation details), as at Stripe. With
   * always_invoice the change is invoiced and paid at once (the unused time of the old price credited, the rest of
   * the period at the new one); with create_prorations or none nothing is itemised and the next renewal invoice
   * charges the new price in full.
   */
  function updateSubscription(sub: Obj, f: FormObject): Obj {
    const touchesMoreThanMetadata = Object.keys(f).some((k) => !['metadata', 'cancellation_details', 'expand'].includes(k));
    if (sub.status === 'canceled' && touchesMoreThanMetadata) {
      throw new ApiError(400, 'invalid_request_error', 'A canceled subscription can only update its cancellation_details and metadata.');
    }
    const proration = str(f.proration_behavior);
    if (proration !== undefined && !PRORATION_BEHAVIORS.includes(proration)) {
      throw invalid('proration_behavior', `Invalid proration_behavior: must be one of ${PRORATION_BEHAVIORS.join(', ')}`);
    }
    const cape = bool(f.cancel_at_period_end);
    if (f.cancel_at_period_end !== undefined && cape === undefined) throw invalid('cancel_at_period_end', 'Invalid boolean: cancel_at_period_end');
    // Validate every item change before changing anything: a refused request changes nothing.
    const items = (sub.items as { data: Obj[] }).data;
    const changes = list(f.items).map((raw, i) => {
      const o = obj(raw);
      if (!o) throw invalid(`items[${i}]`, `Invalid items[${i}]: must be an object`);
      const itemId = str(o.id);
      const item = itemId ? items.find((it) => it.id === itemId) : undefined;
      if (itemId && !item) throw new ApiError(400, 'invalid_request_error', `No such subscription item: '${itemId}'`, 'resource_missing', `items[${i}][id]`);
      if (!item) throw invalid(`items[${i}][id]`, 'This stand-in changes existing subscription items only: pass items[][id].');
      const priceId = str(o.price);
      const data = obj(o.price_data);
      if (data && !str(data.product)) throw missing(`items[${i}][price_data][product]`);
      const price = priceId || data ? priceFrom(data, priceId, `items[${i}]`) : (item.price as Obj);
      if (!price.recurring) {
        throw invalid(`items[${i}][price]`, 'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.');
      }
      const quantity = o.quantity === undefined ? (item.quantity as number) : int(o.quantity);
      if (quantity === undefined || quantity < 1) throw invalid(`items[${i}][quantity]`, 'Invalid integer: quantity must be at least 1.');
      return { item, price, quantity };
    });
    const previous: Obj = {};
    if (changes.length > 0) previous.items = structuredClone(sub.items);
    // always_invoice bills the change at once: the unused time of the old price back, the rest of the period at the new.
    const start = sub.current_period_start as number;
    const end = sub.current_period_end as number;
    const left = end > start ? Math.min(1, Math.max(0, (end - now()) / (end - start))) : 0;
    const prorations: InvoiceLine[] = [];
    for (const c of changes) {
      const oldPrice = c.item.price as Obj;
      const oldQuantity = c.item.quantity as number;
      if (proration === 'always_invoice' && (oldPrice.id !== c.price.id || oldQuantity !== c.quantity) && sub.status !== 'canceled') {
        const after = new Date(now() * 1000).toISOString().slice(0, 10);
        prorations.push(
          { amount: -Math.round((oldPrice.unit_amount as number) * oldQuantity * left), price: oldPrice, quantity: oldQuantity, description: `Unused time on ${oldQuantity} × ${oldPrice.id} after ${after}`, proration: true },
          { amount: Math.round((c.price.unit_amount as number) * c.quantity * left), price: c.price, quantity: c.quantity, description: `Remaining time on ${c.quantity} × ${c.price.id} after ${after}`, proration: true }
        );
      }
      c.item.price = c.price;
      c.item.quantity = c.quantity;
    }
    if (cape !== undefined && cape !== sub.cancel_at_period_end) {
      previous.cancel_at_period_end = sub.cancel_at_period_end;
      previous.canceled_at = sub.canceled_at;
      sub.cancel_at_period_end = cape;
      sub.canceled_at = cape ? now() : null;
      sub.cancel_at = cape ? sub.current_period_end : null;
    }
    if (f.metadata !== undefined) { previous.metadata = sub.metadata; sub.metadata = { ...(sub.metadata as Obj), ...metadata(f.metadata) }; }
    if (Object.keys(previous).length > 0) emit('customer.subscription.updated', sub, previous);
    if (prorations.length > 0) payInvoice(sub, 'subscription_update', false, prorations);
    return sub;
  }

  function setPeriod(sub: Obj, start: number, end: number): void {
    sub.current_period_start = start;
    sub.current_period_end = end;
    const item = (sub.items as { data: Obj[] }).data[0]!;
    item.current_period_start = start;
    item.current_period_end = end;
  }

  /** Moves a subscription into its next period, as a test clock would: the renewal invoice is paid (or fails). */
  function advance(sub: Obj, fail: boolean): Obj {
    if (sub.status === 'canceled') throw new ApiError(400, 'invalid_request_error', 'This subscription is canceled and has no next period.');
    if (sub.cancel_at_period_end) {
      sub.status = 'canceled';
      sub.canceled_at = sub.current_period_end;
      sub.ended_at = sub.current_period_end;
      emit('customer.subscription.deleted', sub);
      return sub;
    }
    const price = ((sub.items as { data: Obj[] }).data[0]!.price) as Obj;
    const recurring = price.recurring as { interval: string; interval_count: number };
    const start = sub.current_period_end as number;
    const previous = { current_period_start: sub.current_period_start, current_period_end: sub.current_period_end, status: sub.status };
    setPeriod(sub, start, periodEnd(start, recurring.interval, recurring.interval_count));
    sub.status = fail ? 'past_due' : 'active';
    payInvoice(sub, 'subscription_cycle', fail);
    emit('customer.subscription.updated', sub, previous);
    return sub;
  }

  // Checkout ------------------------------------------------------------------------------------------------------
  function newSession(f: FormObject): Obj {
    const mode = str(f.mode);
    if (!mode) throw missing('mode');
    if (mode !== 'payment' && mode !== 'subscription' && mode !== 'setup') throw invalid('mode', `Invalid mode: must be one of payment, setup, or subscription`);
    const successUrl = str(f.success_url);
    if (!successUrl) throw missing('success_url');
    if (mode === 'setup') return newSetupSession(f, successUrl);
    const items = list(f.line_items).map((li, i) => {
      const o = obj(li);
      if (!o) throw missing(`line_items[${i}]`);
      const price = priceFrom(obj(o.price_data), str(o.price), `line_items[${i}]`);
      if (mode === 'payment' && price.recurring) throw invalid(`line_items[${i}]`, 'You must be in `subscription` mode to use recurring prices.');
      if (mode === 'subscription' && !price.recurring) throw invalid(`line_items[${i}]`, 'You must have at least one recurring price in `subscription` mode.');
      return { price, quantity: int(o.quantity) ?? 1 };
    });
    if (items.length === 0) throw missing('line_items');
    let customer = str(f.customer) ?? null;
    if (customer) get(store.customers, 'customer', customer);
    else if (mode === 'subscription') customer = createCustomer({ email: f.customer_email ?? '' }).id as string;
    const amount = items.reduce((s, it) => s + (it.price.unit_amount as number) * it.quantity, 0);
    const id = newId('cs_test', 58);
    const session: Obj = {
      id, object: 'checkout.session', mode, status: 'open', payment_status: 'unpaid', amount_total: amount, amount_subtotal: amount,
      currency: items[0]!.price.currency, customer, customer_email: str(f.customer_email) ?? null,
      client_reference_id: str(f.client_reference_id) ?? null, metadata: metadata(f.metadata),
      success_url: successUrl, cancel_url: str(f.cancel_url) ?? null, payment_intent: null, subscription: null, invoice: null,
      url: `${baseUrl}/checkout/${id}`, expires_at: now() + 24 * 3600, created: now(), livemode: false,
      // Kept for the Pay button; not part of Stripe's object.
      _items: items, _payment_intent_data: obj(f.payment_intent_data) ?? {}, _subscription_data: obj(f.subscription_data) ?? {}
    };
    store.sessions.set(id, session);
    return session;
  }

  /** Checkout in setup mode: no line items, nothing charged; the card is saved on the customer through a SetupIntent. */
  function newSetupSession(f: FormObject, successUrl: string): Obj {
    if (f.line_items !== undefined) throw invalid('line_items', 'You cannot pass `line_items` in `setup` mode.');
    if (f.payment_intent_data !== undefined) throw invalid('payment_intent_data', 'You can not pass `payment_intent_data` in `setup` mode.');
    if (f.subscription_data !== undefined) throw invalid('subscription_data', 'You can not pass `subscription_data` in `setup` mode.');
    const currency = str(f.currency);
    const types = list(f.payment_method_types).map((t) => str(t));
    // Without an explicit list of payment method types Checkout picks them by currency, so it needs one.
    if (!currency && types.length === 0) throw missing('currency');
    if (currency && !/^[a-z]{3}$/.test(currency)) throw invalid('currency', `Invalid currency: ${currency}`);
    const customer = str(f.customer) ?? null;
    if (customer) get(store.customers, 'customer', customer);
    const id = newId('cs_test', 58);
    const session: Obj = {
      id, object: 'checkout.session', mode: 'setup', status: 'open', payment_status: 'no_payment_required',
      amount_total: null, amount_subtotal: null, currency: currency ?? null, customer, customer_email: str(f.customer_email) ?? null,
      client_reference_id: str(f.client_reference_id) ?? null, metadata: metadata(f.metadata),
      success_url: successUrl, cancel_url: str(f.cancel_url) ?? null, payment_intent: null, subscription: null, invoice: null,
      setup_intent: null, url: `${baseUrl}/checkout/${id}`, expires_at: now() + 24 * 3600, created: now(), livemode: false,
      _items: [], _setup_intent_data: obj(f.setup_intent_data) ?? {}
    };
    store.sessions.set(id, session);
    return session;
  }

  /** The SetupIntent a setup-mode Checkout completes: the card is attached to the customer for off-session use. */
  function completeSetup(s: Obj): Obj {
    const sd = s._setup_intent_data as FormObject;
    const pm = s.customer ? attach('pm_card_visa', String(s.customer)) : paymentMethod('pm_card_visa');
    const seti: Obj = {
      id: newId('seti'), object: 'setup_intent', customer: s.customer ?? null, payment_method: pm.id, status: 'succeeded',
      usage: 'off_session', metadata: metadata(sd.metadata), description: str(sd.description) ?? null,
      client_secret: null, last_setup_error: null, next_action: null, cancellation_reason: null,
      payment_method_types: ['card'], created: now(), livemode: false
    };
    seti.client_secret = `${seti.id}_secret_${newId('s', 16).slice(2)}`;
    store.setupIntents.set(seti.id as string, seti);
    emit('setup_intent.created', { ...seti, status: 'requires_payment_method', payment_method: null });
    emit('setup_intent.succeeded', seti);
    return seti;
  }

  /** The fields a retrieve asks to expand, in any of the forms the SDKs send (expand[]=, expand[0]=, expand=). */
  function expanded(query: URLSearchParams): string[] {
    return [...query.getAll('expand[]'), ...query.getAll('expand[0]'), ...query.getAll('expand')];
  }

  /** `expand[]=payment_method` on a retrieve, as the SDK sends it. */
  function expandPaymentMethod(o: Obj, query: URLSearchParams): Obj {
    if (!expanded(query).includes('payment_method') || typeof o.payment_method !== 'string') return o;
    const pm = store.paymentMethods.get(o.payment_method);
    return pm ? { ...o, payment_method: publicPm(pm) } : o;
  }

  /** `expand[]=payments` on an invoice: the payments that paid it (basil and later), as a list. */
  function expandInvoicePayments(inv: Obj, query: URLSearchParams): Obj {
    if (!expanded(query).includes('payments')) return inv;
    const data = store.invoicePayments.get(inv.id as string) ?? [];
    return { ...inv, payments: { object: 'list', data, has_more: false, url: `/v1/invoice_payments?invoice=${inv.id}` } };
  }

  function publicSession(s: Obj): Obj {
    return Object.fromEntries(Object.entries(s).filter(([k]) => !k.startsWith('_')));
  }

  function paySession(s: Obj): Obj {
    if (s.status !== 'open') throw new ApiError(400, 'invalid_request_error', `This Checkout Session is ${s.status}.`);
    const items = s._items as { price: Obj; quantity: number }[];
    if (s.mode === 'setup') {
      s.setup_intent = completeSetup(s).id;
    } else if (s.mode === 'payment') {
      const pid = s._payment_intent_data as FormObject;
      const pi = newPaymentIntent({
        amount: String(s.amount_total), currency: String(s.currency), ...(s.customer ? { customer: String(s.customer) } : {}),
        metadata: pid.metadata ?? {}, capture_method: pid.capture_method ?? 'automatic', description: pid.description ?? '',
        ...(str(pid.setup_future_usage) ? { setup_future_usage: pid.setup_future_usage! } : {})
      });
      // The page pays with the Visa test card; with setup_future_usage Stripe saves it on the customer for later.
      const saveCard = Boolean(s.customer && str(pid.setup_future_usage));
      confirmIntent(pi, saveCard ? attach('pm_card_visa', String(s.customer)).id as string : 'pm_card_visa');
      s.payment_intent = pi.id;
    } else {
      const sd = s._subscription_data as FormObject;
      // A subscription keeps the card on the customer so renewals can charge it.
      const card = attach('pm_card_visa', String(s.customer));
      const sub = newSubscription(s.customer as string, items[0]!.price, items[0]!.quantity, metadata(sd.metadata));
      sub.default_payment_method = card.id;
      s.subscription = sub.id;
      s.invoice = sub.latest_invoice;
    }
    s.status = 'complete';
    if (s.mode !== 'setup') s.payment_status = 'paid';
    emit('checkout.session.completed', publicSession(s));
    return s;
  }

  function createCustomer(f: FormObject): Obj {
    const c: Obj = {
      id: newId('cus', 14), object: 'customer', email: str(f.email) || null, name: str(f.name) ?? null,
      metadata: metadata(f.metadata), balance: 0, created: now(), livemode: false, deleted: undefined,
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null }
    };
    store.customers.set(c.id as string, c);
    const pm = str(f.payment_method);
    if (pm) attach(pm, c.id as string);
    setDefaultCard(c, obj(f.invoice_settings));
    emit('customer.created', c);
    return c;
  }

  /** invoice_settings[default_payment_method]: must be one of the customer's own payment methods. */
  function setDefaultCard(c: Obj, settings: FormObject | undefined): void {
    if (!settings || settings.default_payment_method === undefined) return;
    const id = str(settings.default_payment_method) ?? '';
    if (id !== '') {
      const pm = store.paymentMethods.get(id);
      if (!pm || pm.customer !== c.id) {
        throw new ApiError(400, 'invalid_request_error',
          `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`,
          'resource_missing', 'invoice_settings[default_payment_method]');
      }
    }
    (c.invoice_settings as Obj).default_payment_method = id === '' ? null : id;
  }

  // Routing -------------------------------------------------------------------------------------------------------
  function secretKeyOf(req: IncomingMessage): string | null {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer (\S+)$/.exec(auth) ?? /^Basic (\S+)$/.exec(auth);
    if (!m) return null;
    return auth.startsWith('Basic ') ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':')[0]! : m[1]!;
  }

  function authorised(key: string | null): key is string {
    if (key === null) return false;
    return opts.secretKey ? key === opts.secretKey : key.startsWith('sk_test_');
  }

  async function api(method: string, path: string, f: FormObject, query: URLSearchParams): Promise<Obj> {
    const seg = path.split('/').filter(Boolean); // ['v1', 'customers', ...]
    const [, res, id, action] = seg;
    const route = `${method} ${res}${id ? '/:id' : ''}${action ? `/${action}` : ''}`;
    switch (route) {
      case 'POST customers': return createCustomer(f);
      case 'GET customers/:id': return get(store.customers, 'customer', id!);
      case 'POST customers/:id': {
        const c = get(store.customers, 'customer', id!);
        if (f.email !== undefined) c.email = str(f.email) || null;
        if (f.name !== undefined) c.name = str(f.name) ?? null;
        if (f.metadata !== undefined) c.metadata = { ...(c.metadata as Obj), ...metadata(f.metadata) };
        setDefaultCard(c, obj(f.invoice_settings));
        emit('customer.updated', c);
        return c;
      }
      case 'GET customers/:id/payment_methods': return customerPaymentMethods(id!, query);
      case 'GET payment_methods': {
        const customer = query.get('customer');
        if (!customer) throw missing('customer');
        return customerPaymentMethods(customer, query);
      }
      case 'GET payment_methods/:id': return publicPm(get(store.paymentMethods, 'payment_method', id!));
      case 'POST payment_methods/:id/attach': {
        const customer = str(f.customer);
        if (!customer) throw missing('customer');
        return publicPm(attach(id!, customer));
      }
      case 'POST payment_methods/:id/detach': return publicPm(detach(get(store.paymentMethods, 'payment_method', id!)));
      case 'POST prices': return priceFrom(f, undefined, 'price');
      case 'GET prices/:id': return get(store.prices, 'price', id!);
      case 'POST payment_intents': return newPaymentIntent(f);
      case 'GET payment_intents/:id': return get(store.paymentIntents, 'payment_intent', id!);
      case 'POST payment_intents/:id/confirm': {
        const pi = get(store.paymentIntents, 'payment_intent', id!);
        confirmIntent(pi, str(f.payment_method), f.off_session === 'true' || f.off_session === 'one_off' || f.off_session === 'recurring');
        return pi;
      }
      case 'POST payment_intents/:id/capture': return capture(get(store.paymentIntents, 'payment_intent', id!), f);
      case 'POST payment_intents/:id/cancel': return cancelIntent(get(store.paymentIntents, 'payment_intent', id!), str(f.cancellation_reason));
      case 'GET charges/:id': return get(store.charges, 'charge', id!);
      case 'POST refunds': return refund(f);
      case 'GET refunds/:id': return get(store.refunds, 'refund', id!);
      case 'POST subscriptions': {
        const customer = str(f.customer);
        if (!customer) throw missing('customer');
        get(store.customers, 'customer', customer);
        const item = obj(list(f.items)[0]);
        if (!item) throw missing('items');
        return newSubscription(customer, priceFrom(obj(item.price_data), str(item.price), 'items[0]'), int(item.quantity) ?? 1, metadata(f.metadata));
      }
      case 'GET subscriptions/:id': return get(store.subscriptions, 'subscription', id!);
      case 'POST subscriptions/:id': return updateSubscription(get(store.subscriptions, 'subscription', id!), f);
      case 'DELETE subscriptions/:id': {
        const sub = get(store.subscriptions, 'subscription', id!);
        if (sub.status !== 'canceled') {
          sub.status = 'canceled';
          sub.canceled_at = now();
          sub.ended_at = now();
          emit('customer.subscription.deleted', sub);
        }
        return sub;
      }
      case 'GET setup_intents/:id': return expandPaymentMethod(get(store.setupIntents, 'setup_intent', id!), query);
      case 'GET invoices/:id': return expandInvoicePayments(get(store.invoices, 'invoice', id!), query);
      // A test-mode account holds nothing.
      case 'GET balance': {
        const zero = [{ amount: 0, currency: 'usd', source_types: { card: 0 } }];
        return { object: 'balance', available: zero, livemode: false, pending: zero };
      }
      case 'GET webhook_endpoints':
        return { object: 'list', data: webhookEndpoint ? [webhookEndpoint] : [], has_more: false, url: '/v1/webhook_endpoints' };
      case 'GET webhook_endpoints/:id':
        if (!webhookEndpoint || webhookEndpoint.id !== id) throw notFound('webhook endpoint', id!);
        return webhookEndpoint;
      case 'GET events/:id': {
        const e = events.find((x) => x.id === id);
        if (!e) throw notFound('event', id!);
        return e as unknown as Obj;
      }
      case 'GET events': {
        const limit = Math.min(Number(query.get('limit') ?? 10), 100);
        const type = query.get('type');
        const data = [...events].reverse().filter((e) => !type || e.type === type).slice(0, limit);
        return { object: 'list', data, has_more: false, url: '/v1/events' };
      }
    }
    // /v1/checkout/sessions[/:id[/expire]] has a two-segment resource name.
    if (res === 'checkout' && id === 'sessions') {
      const sid = action;
      const sub = seg[4];
      if (method === 'POST' && !sid) return publicSession(newSession(f));
      if (method === 'GET' && sid && !sub) return publicSession(get(store.sessions, 'checkout session', sid));
      if (method === 'POST' && sid && sub === 'expire') {
        const s = get(store.sessions, 'checkout session', sid);
        if (s.status !== 'open') throw new ApiError(400, 'invalid_request_error', `Only Checkout Sessions with a status of open can be expired.`);
        s.status = 'expired';
        emit('checkout.session.expired', publicSession(s));
        return publicSession(s);
      }
    }
    throw new ApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}). This Stripe stand-in implements only what Call Me Back uses.`);
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): string {
    const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req', 14), 'stripe-version': accountVersion, ...headers });
    res.end(text);
    return text;
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', baseUrl);
    const method = req.method ?? 'GET';
    try {
      const body = await readBody(req);
      // Local checkout page.
      const page = /^\/checkout\/(cs_[A-Za-z0-9_]+)(?:\/(pay|cancel))?$/.exec(url.pathname);
      if (page) {
        const s = store.sessions.get(page[1]!);
        if (!s) return void send(res, 404, closedPage('This checkout link is not valid.'), { 'content-type': 'text/html; charset=utf-8' });
        if (method === 'GET' && !page[2]) {
          const items = (s._items as { price: Obj; quantity: number }[]).map(({ price, quantity }) => ({
            name: String(price.nickname ?? 'Item'), amount: price.unit_amount as number, currency: String(price.currency), quantity }));
          const html = s.status === 'open' ? checkoutPage(publicSession(s), items) : closedPage(`This checkout is ${s.status}.`);
          return void send(res, 200, html, { 'content-type': 'text/html; charset=utf-8' });
        }
        if (method === 'POST' && page[2] === 'pay') {
          if (s.status === 'open') paySession(s);
          const to = String(s.success_url).replace('{CHECKOUT_SESSION_ID}', String(s.id));
          res.writeHead(303, { location: to });
          return void res.end();
        }
        if (method === 'POST' && page[2] === 'cancel') {
          res.writeHead(303, { location: String(s.cancel_url ?? s.success_url) });
          return void res.end();
        }
      }
      // devstack controls (not part of Stripe's API): test-clock style advance, event list, delivery state.
      const adv = /^\/__devstack\/subscriptions\/(sub_[A-Za-z0-9]+)\/advance$/.exec(url.pathname);
      if (adv && method === 'POST') {
        const sub = advance(get(store.subscriptions, 'subscription', adv[1]!), url.searchParams.get('fail') === '1');
        return void send(res, 200, sub);
      }
      if (url.pathname === '/__devstack/events' && method === 'GET') {
        return void send(res, 200, { events, deliveries: Object.fromEntries(sender.records) });
      }
      const resend = /^\/__devstack\/events\/(evt_[A-Za-z0-9]+)\/resend$/.exec(url.pathname);
      if (resend && method === 'POST') {
        const e = events.find((x) => x.id === resend[1]);
        if (!e) throw notFound('event', resend[1]!);
        sender.resend(e);
        return void send(res, 200, { resent: e.id });
      }

      if (!url.pathname.startsWith('/v1/')) throw new ApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${url.pathname}).`);
      const secretKey = secretKeyOf(req);
      if (!authorised(secretKey)) {
        return void send(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: use the devstack test secret key.' } });
      }
      // A request may pin its API version; the answer says which version it was rendered in.
      const pinned = req.headers['stripe-version'];
      if (typeof pinned === 'string' && !isKnownApiVersion(pinned.trim())) {
        return void send(res, 400, { error: { type: 'invalid_request_error', message: `Invalid Stripe API version: ${pinned.trim()}` } });
      }
      const version = { 'stripe-version': typeof pinned === 'string' ? pinned.trim() : accountVersion };
      const idemHeader = method === 'POST' ? req.headers['idempotency-key'] : undefined;
      const idemKey = typeof idemHeader === 'string' && idemHeader !== '' ? idemHeader : null;
      if (idemKey !== null) {
        if (idemKey.length > 255) {
          return void send(res, 400, { error: { type: 'invalid_request_error', message: `Invalid idempotency key: it must be at most 255 characters long.` } }, version);
        }
        const check = idempotency.begin(secretKey, idemKey, method, url.pathname, body);
        if (check.kind === 'replay') return void send(res, check.response.status, check.response.body, { ...version, 'idempotent-replayed': 'true', 'idempotency-key': idemKey });
        if (check.kind === 'conflict') return void send(res, check.status, { error: { type: 'idempotency_error', message: check.message } }, version);
      }
      const f = parseForm(method === 'GET' ? url.search.slice(1) : body);
      let status = 200;
      let out: unknown;
      try {
        out = await api(method, url.pathname, f, url.searchParams);
      } catch (err) {
        if (!(err instanceof ApiError)) {
          if (idemKey !== null) idempotency.finish(secretKey, idemKey, null);
          throw err;
        }
        status = err.status;
        out = { error: { type: err.type, message: err.message, ...(err.code ? { code: err.code } : {}), ...(err.param ? { param: err.param } : {}), ...err.extra } };
      }
      const text = send(res, status, out, { ...version, ...(idemKey !== null ? { 'idempotency-key': idemKey } : {}) });
      // Stripe stores what executed (successes, card declines), not requests refused for their parameters.
      if (idemKey !== null) idempotency.finish(secretKey, idemKey, status < 400 || status === 402 ? { status, body: text } : null);
    } catch (err) {
      if (err instanceof ApiError) {
        return void send(res, err.status, { error: { type: err.type, message: err.message, code: err.code } });
      }
      log(`Stripe stand-in error: ${(err as Error).stack ?? err}`);
      if (!res.headersSent) send(res, 500, { error: { type: 'api_error', message: 'The Stripe stand-in failed on this request.' } });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;
  log(`Stripe stand-in on ${baseUrl} (test mode only: no card is charged)`);

  return {
    url: baseUrl,
    port,
    events,
    deliveries: sender.records,
    webhooksIdle: () => sender.idle(),
    close: async () => {
      sender.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  };
}
