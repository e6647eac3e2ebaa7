import assert from 'node:assert/strict';
import { CardRefusal, MINIMUM_HOLD_CENTS, stripeCardPayments, type CardIntent, type CardStripe } from './card_payments.ts';
import type { Queryable } from './queryable.ts';

type Call = { method: string; args: unknown[] };

class StripeCardErrorLike extends Error {
  readonly type = 'StripeCardError';
  readonly rawType = 'card_error';
  readonly code: string;
  readonly decline_code?: string;
  readonly payment_intent?: { id: string };
  constructor(message: string, code: string, declineCode?: string, piId?: string) {
    super(message);
    this.code = code;
    this.decline_code = declineCode;
    this.payment_intent = piId ? { id: piId } : undefined;
  }
}

/** A Stripe that records every request and keeps PaymentIntents in memory, with scripted failures. */
function fakeStripe(opts: {
  customer?: Record<string, unknown>;
  listed?: string[];
  createError?: Error;
  createStatus?: string;
  intents?: Record<string, Partial<CardIntent>>;
  captureError?: (pi: CardIntent) => Error | null;
} = {}) {
  const calls: Call[] = [];
  const intents = new Map<string, CardIntent>(Object.entries(opts.intents ?? {}).map(([id, p]) => [id, {
    id, status: 'requires_capture', amount: 100, amount_capturable: 100, amount_received: 0, ...p
  }]));
  const intent = (id: string) => {
    const pi = intents.get(id);
    if (!pi) throw new Error(`No such payment_intent: '${id}'`);
    return pi;
  };
  const stripe: CardStripe = {
    customers: {
      retrieve: (id) => { calls.push({ method: 'customers.retrieve', args: [id] }); return Promise.resolve(opts.customer ?? { id, invoice_settings: { default_payment_method: null } }); },
      listPaymentMethods: (id, params) => {
        calls.push({ method: 'customers.listPaymentMethods', args: [id, params] });
        return Promise.resolve({ data: (opts.listed ?? []).map((pm) => ({ id: pm })) });
      }
    },
    paymentIntents: {
      create: (params, options) => {
        calls.push({ method: 'paymentIntents.create', args: [params, options] });
        if (opts.createError) return Promise.reject(opts.createError);
        const pi: CardIntent = { id: `pi_${intents.size + 1}`, status: opts.createStatus ?? 'requires_capture', amount: params.amount,
                                 amount_capturable: params.amount, amount_received: 0 };
        intents.set(pi.id, pi);
        return Promise.resolve({ ...pi });
      },
      retrieve: (id) => { calls.push({ method: 'paymentIntents.retrieve', args: [id] }); return Promise.resolve({ ...intent(id) }); },
      capture: (id, params, options) => {
        calls.push({ method: 'paymentIntents.capture', args: [id, params, options] });
        const pi = intent(id);
        const fail = opts.captureError?.(pi);
        if (fail) return Promise.reject(fail);
        if (pi.status !== 'requires_capture') return Promise.reject(new Error(`status ${pi.status}`));
        Object.assign(pi, { status: 'succeeded', amount_received: params?.amount_to_capture ?? pi.amount_capturable, amount_capturable: 0 });
        return Promise.resolve({ ...pi });
      },
      cancel: (id, params, options) => {
        calls.push({ method: 'paymentIntents.cancel', args: [id, params, options] });
        const pi = intent(id);
        if (!['requires_capture', 'requires_payment_method', 'requires_action'].includes(pi.status)) {
          return Promise.reject(Object.assign(new Error(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`), { code: 'payment_intent_unexpected_state' }));
        }
        Object.assign(pi, { status: 'canceled', amount_capturable: 0 });
        return Promise.resolve({ ...pi });
      }
    }
  };
  return { stripe, calls, intents, methods: () => calls.map((c) => c.method) };
}

/** A database answering the three queries card payments make, recording what was recorded. */
function fakeDb(opts: { customer?: string | null; plan?: Record<string, unknown>; recorded?: string } = {}) {
  const recorded: unknown[][] = [];
  const db: Queryable = {
    query: <R extends Record<string, unknown>>(sql: string, args: unknown[] = []) => {
      let rows: Record<string, unknown>[];
      if (sql.includes('stripe_customer_id')) rows = opts.customer === undefined ? [{ customer: 'cus_1' }] : [{ customer: opts.customer }];
      else if (sql.includes('begin_card_settlement')) rows = [opts.plan ?? { outcome: 'card_capture_required', action: 'none', payment_intent_id: null, amount_cents: null }];
      else if (sql.includes('record_card_settlement')) {
        recorded.push(args);
        rows = [{ outcome: opts.recorded ?? (args[1] === 'captured' ? 'settled' : 'released') }];
      } else throw new Error(`unexpected query: ${sql}`);
      return Promise.resolve({ rows: rows as R[], rowCount: rows.length });
    }
  };
  return { db, recorded };
}

const refusal = async (p: Promise<unknown>): Promise<CardRefusal> => {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CardRefusal, `expected a CardRefusal, got ${err}`);
    return err;
  }
  assert.fail('expected a refusal');
};

Deno.test('authorize holds the default card for the estimate: manual capture, off-session, keyed by the call', async () => {
  const s = fakeStripe({ customer: { id: 'cus_1', invoice_settings: { default_payment_method: 'pm_default' } }, listed: ['pm_other'] });
  const { db } = fakeDb();
  const hold = await stripeCardPayments(s.stripe, db).authorize('user-1', 'call-1', 240);
  assert.equal(hold.paymentIntentId, 'pi_1');
  const create = s.calls.find((c) => c.method === 'paymentIntents.create')!;
  assert.deepEqual(create.args, [{
    amount: 240, currency: 'usd', customer: 'cus_1', payment_method: 'pm_default', capture_method: 'manual', confirm: true,
    off_session: true, description: 'Call Me Back call', metadata: { call_id: 'call-1', user_id: 'user-1' }
  }, { idempotencyKey: 'call-auth:call-1' }]);
  assert.ok(!s.methods().includes('customers.listPaymentMethods'), 'the default card is used without listing cards');
});

Deno.test('without a default card the most recently saved card is held; an expanded default works too', async () => {
  const s = fakeStripe({ listed: ['pm_newest'] });
  await stripeCardPayments(s.stripe, fakeDb().db).authorize('u', 'c', 300);
  assert.equal((s.calls.find((c) => c.method === 'paymentIntents.create')!.args[0] as { payment_method: string }).payment_method, 'pm_newest');
  assert.deepEqual(s.calls.find((c) => c.method === 'customers.listPaymentMethods')!.args, ['cus_1', { type: 'card', limit: 1 }]);

  const e = fakeStripe({ customer: { invoice_settings: { default_payment_method: { id: 'pm_expanded' } } } });
  await stripeCardPayments(e.stripe, fakeDb().db).authorize('u', 'c', 300);
  assert.equal((e.calls.find((c) => c.method === 'paymentIntents.create')!.args[0] as { payment_method: string }).payment_method, 'pm_expanded');
});

Deno.test('a call estimated under Stripe\u2019s minimum is held for the minimum', async () => {
  const s = fakeStripe({ listed: ['pm_1'] });
  await stripeCardPayments(s.stripe, fakeDb().db).authorize('u', 'c', 12);
  assert.equal((s.calls.find((c) => c.method === 'paymentIntents.create')!.args[0] as { amount: number }).amount, MINIMUM_HOLD_CENTS);
});

Deno.test('no Stripe customer, a deleted customer or no saved card: card_missing, and nothing is held', async () => {
  for (const [customer, stripeCustomer] of [[null, undefined], ['cus_1', { deleted: true }], ['cus_1', { invoice_settings: {} }]] as const) {
    const s = fakeStripe({ customer: stripeCustomer, listed: [] });
    const r = await refusal(stripeCardPayments(s.stripe, fakeDb({ customer }).db).authorize('u', 'c', 300));
    assert.equal(r.error.code, 'card_missing');
    assert.equal(r.error.status, 402);
    assert.match(r.error.message, /You have no saved card\. Save one on the Billing page/);
    assert.ok(!s.methods().includes('paymentIntents.create'));
  }
});

Deno.test('a declined card refuses with payment_failed carrying Stripe\u2019s reason, and the failed intent is cancelled', async () => {
  const s = fakeStripe({ listed: ['pm_1'], intents: { pi_declined: { status: 'requires_payment_method' } },
    createError: new StripeCardErrorLike('Your card has insufficient funds.', 'card_declined', 'insufficient_funds', 'pi_declined') });
  const r = await refusal(stripeCardPayments(s.stripe, fakeDb().db).authorize('u', 'c', 300));
  assert.equal(r.error.code, 'payment_failed');
  assert.equal(r.error.message, 'The card payment did not go through: Your card has insufficient funds. Try another card or pay with credits.');
  assert.equal(s.intents.get('pi_declined')!.status, 'canceled');
});

Deno.test('a bank that wants authentication cannot pay for a call: payment_failed saying so, hold cancelled', async () => {
  const sca = fakeStripe({ listed: ['pm_1'], createError: new StripeCardErrorLike('Your card was declined. This transaction requires authentication.', 'authentication_required') });
  const r = await refusal(stripeCardPayments(sca.stripe, fakeDb().db).authorize('u', 'c', 300));
  assert.equal(r.error.code, 'payment_failed');
  assert.match(r.error.message, /approve this payment/);

  const action = fakeStripe({ listed: ['pm_1'], createStatus: 'requires_action' });
  const r2 = await refusal(stripeCardPayments(action.stripe, fakeDb().db).authorize('u', 'c', 300));
  assert.match(r2.error.message, /approve this payment/);
  assert.equal(action.intents.get('pi_1')!.status, 'canceled');
});

Deno.test('errors that are not about the card (Stripe unreachable) are passed on, not reported as a decline', async () => {
  const s = fakeStripe({ listed: ['pm_1'], createError: new Error('connect ECONNREFUSED') });
  await assert.rejects(stripeCardPayments(s.stripe, fakeDb().db).authorize('u', 'c', 300), /ECONNREFUSED/);
});

Deno.test('settlement captures the actual cost once, keyed by the call, and records it', async () => {
  const s = fakeStripe({ intents: { pi_9: { amount: 240, amount_capturable: 240 } } });
  const d = fakeDb({ plan: { outcome: 'card_capture_required', action: 'capture', payment_intent_id: 'pi_9', amount_cents: 37 } });
  assert.equal(await stripeCardPayments(s.stripe, d.db).settleCardCall('call-9'), 'settled');
  const capture = s.calls.find((c) => c.method === 'paymentIntents.capture')!;
  assert.deepEqual(capture.args, ['pi_9', { amount_to_capture: 37 }, { idempotencyKey: 'call-capture:call-9' }]);
  assert.deepEqual(d.recorded, [['pi_9', 'captured', 37]]);

  // Asked again (a repeated callback, the reconciler): Stripe already captured, so nothing is captured twice.
  await stripeCardPayments(s.stripe, d.db).settleCardCall('call-9');
  assert.equal(s.methods().filter((m) => m === 'paymentIntents.capture').length, 1);
  assert.deepEqual(d.recorded[1], ['pi_9', 'captured', 37]);
});

Deno.test('a capture is never more than Stripe holds', async () => {
  const s = fakeStripe({ intents: { pi_9: { amount: 50, amount_capturable: 50 } } });
  const d = fakeDb({ plan: { outcome: 'card_capture_required', action: 'capture', payment_intent_id: 'pi_9', amount_cents: 80 } });
  await stripeCardPayments(s.stripe, d.db).settleCardCall('c');
  assert.deepEqual(d.recorded, [['pi_9', 'captured', 50]]);
});

Deno.test('a capture that fails because another settlement captured first records what Stripe captured', async () => {
  const s = fakeStripe({ intents: { pi_9: { amount: 240, amount_capturable: 240 } },
    captureError: (pi) => { Object.assign(pi, { status: 'succeeded', amount_received: 37, amount_capturable: 0 }); return new Error('lock_timeout'); } });
  const d = fakeDb({ plan: { outcome: 'card_capture_required', action: 'capture', payment_intent_id: 'pi_9', amount_cents: 37 } });
  await stripeCardPayments(s.stripe, d.db).settleCardCall('c');
  assert.deepEqual(d.recorded, [['pi_9', 'captured', 37]]);

  const down = fakeStripe({ intents: { pi_9: {} }, captureError: () => new Error('Stripe unreachable') });
  const d2 = fakeDb({ plan: { outcome: 'card_capture_required', action: 'capture', payment_intent_id: 'pi_9', amount_cents: 37 } });
  await assert.rejects(stripeCardPayments(down.stripe, d2.db).settleCardCall('c'), /Stripe unreachable/);
  assert.deepEqual(d2.recorded, [], 'nothing is recorded while the hold is still open');
});

Deno.test('a call that never connected cancels the hold; cancelling again is harmless', async () => {
  const s = fakeStripe({ intents: { pi_5: {} } });
  const d = fakeDb({ plan: { outcome: 'card_capture_required', action: 'cancel', payment_intent_id: 'pi_5', amount_cents: 0 } });
  const cards = stripeCardPayments(s.stripe, d.db);
  assert.equal(await cards.settleCardCall('c'), 'released');
  await cards.settleCardCall('c');
  assert.equal(s.intents.get('pi_5')!.status, 'canceled');
  assert.deepEqual(d.recorded, [['pi_5', 'canceled', 0], ['pi_5', 'canceled', 0]]);
  assert.ok(!s.methods().includes('paymentIntents.capture'));
});

Deno.test('a hold that lapsed at Stripe before capture is recorded as released (nothing charged)', async () => {
  const s = fakeStripe({ intents: { pi_7: { status: 'canceled', amount_capturable: 0 } } });
  const d = fakeDb({ plan: { outcome: 'card_capture_required', action: 'capture', payment_intent_id: 'pi_7', amount_cents: 20 } });
  assert.equal(await stripeCardPayments(s.stripe, d.db).settleCardCall('c'), 'released');
  assert.deepEqual(d.recorded, [['pi_7', 'canceled', 0]]);
});

Deno.test('nothing to do at Stripe (not finished, already settled, never held): no Stripe request', async () => {
  for (const outcome of ['not_finished', 'already_settled', 'failed', 'waiting_for_media']) {
    const s = fakeStripe();
    const d = fakeDb({ plan: { outcome, action: 'none', payment_intent_id: null, amount_cents: null } });
    assert.equal(await stripeCardPayments(s.stripe, d.db).settleCardCall('c'), outcome);
    assert.deepEqual(s.calls, []);
    assert.deepEqual(d.recorded, []);
  }
});

Deno.test('cancel() releases a hold and records it; an already cancelled hold is not an error', async () => {
  const s = fakeStripe({ intents: { pi_3: {}, pi_4: { status: 'canceled' } } });
  const d = fakeDb();
  const cards = stripeCardPayments(s.stripe, d.db);
  await cards.cancel('pi_3');
  await cards.cancel('pi_4');
  assert.deepEqual(s.calls.find((c) => c.method === 'paymentIntents.cancel')!.args, ['pi_3', { cancellation_reason: 'abandoned' }, { idempotencyKey: 'call-cancel:pi_3' }]);
  assert.deepEqual(d.recorded, [['pi_3', 'canceled', 0], ['pi_4', 'canceled', 0]]);
});
