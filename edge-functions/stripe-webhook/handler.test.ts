// The webhook handler with a fake ledger that behaves like private.ingest_stripe_event: one transaction per event,
// the event id recorded with its effect, grants keyed by PaymentIntent / invoice, subscription state newest-first.
// Events are signed with the real SDK's test header helper and verified by the real constructEventAsync.
import Stripe from 'stripe';
import { assert, assertEquals } from '../_shared/assert.ts';
import { handleStripeWebhook, type StripeWebhookDeps, type VerifiedEvent } from './handler.ts';

const SECRET = 'whsec_unit_test_secret';
const stripe = new Stripe('sk_test_unit', { httpClient: Stripe.createFetchHttpClient() });
const crypto = Stripe.createSubtleCryptoProvider();
const NOW = 1_800_000_000_000;

interface State {
  events: Set<string>;
  grants: Map<string, number>;
  balance: number;
  sub: { status: string | null; syncedAt: number };
}

const RANK: Record<string, number> = { incomplete: 0, trialing: 1, canceled: 3, incomplete_expired: 3 };
const rank = (s: string | null) => (s === null ? -1 : RANK[s] ?? 2);

class FakeLedger {
  state: State = { events: new Set(), grants: new Map(), balance: 0, sub: { status: null, syncedAt: -1 } };
  failures: string[] = [];
  /** Throws after the effect was applied to the transaction, before commit, this many times. */
  failMidway = 0;

  ingest = async (event: VerifiedEvent): Promise<{ status: string }> => {
    const tx: State = structuredClone(this.state);
    if (tx.events.has(event.id)) return { status: 'duplicate' };
    tx.events.add(event.id);
    const o = (event.data as { object: Record<string, any> }).object;
    const grant = (key: string, credits: number) => {
      if (tx.grants.has(key)) return;
      tx.grants.set(key, credits);
      tx.balance += credits;
    };
    let status = 'processed';
    switch (event.type) {
      case 'checkout.session.completed':
        grant(`stripe:pi:${o.payment_intent}`, Number(o.metadata.credits));
        break;
      case 'payment_intent.succeeded':
        if (o.metadata?.kind === 'credit_pack') grant(`stripe:pi:${o.id}`, Number(o.metadata.credits));
        break;
      case 'invoice.paid':
        grant(`stripe:inv:${o.id}`, Number(o.parent.subscription_details.metadata.monthly_credits));
        break;
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted': {
        const next = event.type.endsWith('deleted') ? 'canceled' : String(o.status);
        const newer = event.created > tx.sub.syncedAt || (event.created === tx.sub.syncedAt && rank(next) >= rank(tx.sub.status));
        if (newer) tx.sub = { status: next, syncedAt: event.created };
        break;
      }
      default:
        status = 'ignored';
    }
    if (this.failMidway > 0) {
      this.failMidway -= 1;
      throw new Error('connection to the database was lost');   // the transaction rolls back: tx is dropped
    }
    this.state = tx;
    return { status };
  };

  deps(over: Partial<StripeWebhookDeps> = {}): StripeWebhookDeps {
    return {
      webhookSecret: SECRET,
      constructEvent: async (raw, header, secret, tolerance, receivedAt) =>
        (await stripe.webhooks.constructEventAsync(raw, header, secret, tolerance, crypto, receivedAt)) as unknown as VerifiedEvent,
      ingest: this.ingest,
      recordFailed: async (f) => void this.failures.push(`${f.event.id}: ${f.code}: ${f.reason}`),
      liveMode: false,
      nowMs: () => NOW,
      log: () => undefined,
      ...over
    };
  }
}

let seq = 0;
function event(type: string, object: Record<string, unknown>, created = NOW / 1000): Record<string, unknown> {
  seq += 1;
  return { id: `evt_unit${seq}`, object: 'event', type, created, livemode: false, api_version: '2026-02-25.clover', data: { object } };
}

async function post(ledger: FakeLedger, payload: string, opts: { timestamp?: number; secret?: string; header?: string | null } = {}) {
  const header = opts.header === undefined
    ? await stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: opts.secret ?? SECRET, timestamp: opts.timestamp ?? NOW / 1000, cryptoProvider: crypto })
    : opts.header;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (header !== null) headers['stripe-signature'] = header;
  return handleStripeWebhook(new Request('http://functions/stripe-webhook', { method: 'POST', body: payload, headers }), ledger.deps());
}

const purchase = (pi: string) => event('checkout.session.completed', {
  id: `cs_test_${pi}`, object: 'checkout.session', mode: 'payment', payment_status: 'paid', payment_intent: pi,
  metadata: { user_id: 'u1', kind: 'credit_pack', credits: '1000' }
});

Deno.test('the same event delivered 10 times (sequentially and at once) credits once', async () => {
  const ledger = new FakeLedger();
  const payload = JSON.stringify(purchase('pi_A'));
  for (let i = 0; i < 5; i++) assertEquals((await post(ledger, payload)).status, 200);
  const parallel = await Promise.all(Array.from({ length: 5 }, () => post(ledger, payload)));
  assert(parallel.every((r) => r.status === 200));
  assertEquals(ledger.state.balance, 1000);
  assertEquals(ledger.state.events.size, 1);
});

Deno.test('one purchase seen through checkout.session.completed and payment_intent.succeeded credits once', async () => {
  const ledger = new FakeLedger();
  const r1 = await post(ledger, JSON.stringify(purchase('pi_B')));
  const r2 = await post(ledger, JSON.stringify(event('payment_intent.succeeded', {
    id: 'pi_B', object: 'payment_intent', amount_received: 1000, metadata: { user_id: 'u1', kind: 'credit_pack', credits: '1000' }
  })));
  assertEquals([r1.status, r2.status], [200, 200]);
  assertEquals(ledger.state.balance, 1000);
  assertEquals([...ledger.state.grants.keys()], ['stripe:pi:pi_B']);
});

Deno.test('subscription events out of order end in the right state', async () => {
  const ledger = new FakeLedger();
  const sub = (status: string) => ({ id: 'sub_1', object: 'subscription', status, metadata: { plan: 'plus' } });
  const t = NOW / 1000;
  await post(ledger, JSON.stringify(event('customer.subscription.updated', sub('active'), t - 10)));
  await post(ledger, JSON.stringify(event('customer.subscription.created', sub('incomplete'), t - 20)));
  assertEquals(ledger.state.sub.status, 'active');
  await post(ledger, JSON.stringify(event('customer.subscription.deleted', sub('canceled'), t - 5)));
  await post(ledger, JSON.stringify(event('customer.subscription.updated', sub('active'), t - 8)));
  assertEquals(ledger.state.sub.status, 'canceled');
  await post(ledger, JSON.stringify(event('customer.subscription.updated', sub('active'), t - 5)));
  assertEquals(ledger.state.sub.status, 'canceled', 'a same-second update does not revive a canceled subscription');
});

Deno.test('a renewal invoice delivered twice grants the period once', async () => {
  const ledger = new FakeLedger();
  const inv = event('invoice.paid', { id: 'in_1', object: 'invoice', billing_reason: 'subscription_cycle',
    parent: { subscription_details: { subscription: 'sub_1', metadata: { monthly_credits: '2000' } } } });
  await post(ledger, JSON.stringify(inv));
  await post(ledger, JSON.stringify({ ...inv, id: 'evt_unitredelivered' }));
  assertEquals(ledger.state.balance, 2000);
});

Deno.test('unsigned, tampered, wrongly signed, stale and future-dated requests get 400 and change nothing', async () => {
  const ledger = new FakeLedger();
  const payload = JSON.stringify(purchase('pi_C'));
  const cases: [string, Response, string][] = [
    ['unsigned', await post(ledger, payload, { header: null }), 'signature_missing'],
    ['tampered', await handleStripeWebhook(new Request('http://f/', {
      method: 'POST', body: payload.replace('"1000"', '"9000"'),
      headers: { 'stripe-signature': await stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: SECRET, timestamp: NOW / 1000, cryptoProvider: crypto }) }
    }), ledger.deps()), 'signature_invalid'],
    ['re-serialised', await handleStripeWebhook(new Request('http://f/', {
      method: 'POST', body: JSON.stringify(JSON.parse(payload), null, 2),
      headers: { 'stripe-signature': await stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: SECRET, timestamp: NOW / 1000, cryptoProvider: crypto }) }
    }), ledger.deps()), 'signature_invalid'],
    ['wrong secret', await post(ledger, payload, { secret: 'whsec_other' }), 'signature_invalid'],
    ['garbage header', await post(ledger, payload, { header: 'nonsense' }), 'signature_invalid'],
    ['stale (301 s)', await post(ledger, payload, { timestamp: NOW / 1000 - 301 }), 'timestamp_too_old'],
    ['future (10 min)', await post(ledger, payload, { timestamp: NOW / 1000 + 600 }), 'timestamp_in_future']
  ];
  for (const [name, res, code] of cases) {
    assertEquals(res.status, 400, name);
    assertEquals((await res.json()).error.code, code, name);
  }
  assertEquals(ledger.state.balance, 0);
  assertEquals(ledger.state.events.size, 0);
  // Within tolerance both ways is fine.
  assertEquals((await post(ledger, payload, { timestamp: NOW / 1000 - 290 })).status, 200);
  assertEquals((await post(ledger, JSON.stringify(purchase('pi_D')), { timestamp: NOW / 1000 + 30 })).status, 200);
  assertEquals(ledger.state.balance, 2000);
});

Deno.test('a live-mode event on a test endpoint is refused', async () => {
  const ledger = new FakeLedger();
  const res = await post(ledger, JSON.stringify({ ...purchase('pi_E'), livemode: true }));
  assertEquals(res.status, 400);
  assertEquals((await res.json()).error.code, 'wrong_mode');
  assertEquals(ledger.state.events.size, 0);
});

Deno.test('a failure half-way applies nothing and answers 500; the retry succeeds once', async () => {
  const ledger = new FakeLedger();
  ledger.failMidway = 1;
  const payload = JSON.stringify(purchase('pi_F'));
  const first = await post(ledger, payload);
  assertEquals(first.status, 500);
  assertEquals(ledger.state.balance, 0);
  assertEquals(ledger.state.events.size, 0, 'the event id is not recorded, so the retry is not mistaken for a duplicate');
  const retry = await post(ledger, payload);
  assertEquals(retry.status, 200);
  assertEquals((await retry.json()).status, 'processed');
  assertEquals((await (await post(ledger, payload)).json()).status, 'duplicate');
  assertEquals(ledger.state.balance, 1000);
});

Deno.test('unknown event types are acknowledged with 200', async () => {
  const ledger = new FakeLedger();
  const res = await post(ledger, JSON.stringify(event('customer.tax_id.created', { id: 'txi_1' })));
  assertEquals(res.status, 200);
  assertEquals((await res.json()).status, 'ignored');
});

Deno.test('a permanently invalid event is kept for review and acknowledged; a missing customer link is retried', async () => {
  const ledger = new FakeLedger();
  const invalid = Object.assign(new Error('event_invalid: The checkout session has no valid credits in its metadata.'), { code: 'P0001' });
  const missing = Object.assign(new Error('unknown_customer: No user is linked to Stripe customer cus_x.'), { code: 'P0001' });
  const payload = JSON.stringify(purchase('pi_G'));
  const header = await stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: SECRET, timestamp: NOW / 1000, cryptoProvider: crypto });
  const send = (ingest: StripeWebhookDeps['ingest']) => handleStripeWebhook(
    new Request('http://f/', { method: 'POST', body: payload, headers: { 'stripe-signature': header } }), ledger.deps({ ingest }));
  const r1 = await send(() => Promise.reject(invalid));
  assertEquals(r1.status, 200);
  assertEquals((await r1.json()).status, 'failed');
  assertEquals(ledger.failures.length, 1);
  const r2 = await send(() => Promise.reject(missing));
  assertEquals(r2.status, 500);
  assertEquals((await r2.json()).error.code, 'unknown_customer');
});

Deno.test('an event whose idempotent apply conflicts, or holds a value out of range, is kept for review and acknowledged', async () => {
  const ledger = new FakeLedger();
  const payload = JSON.stringify(purchase('pi_H'));
  const header = await stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: SECRET, timestamp: NOW / 1000, cryptoProvider: crypto });
  const send = (ingest: StripeWebhookDeps['ingest']) => handleStripeWebhook(
    new Request('http://f/', { method: 'POST', body: payload, headers: { 'stripe-signature': header } }), ledger.deps({ ingest }));
  const reused = Object.assign(new Error('idempotency_key_reused: The idempotency key stripe:pi:pi_H was already used for a different change.'), { code: 'P0001' });
  const outOfRange = Object.assign(new Error('value "99999999999" is out of range for type integer'), { code: '22003' });
  const lost = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  const r1 = await send(() => Promise.reject(reused));
  assertEquals(r1.status, 200);
  assertEquals(await r1.json(), { received: true, status: 'failed', code: 'idempotency_key_reused' });
  const r2 = await send(() => Promise.reject(outOfRange));
  assertEquals(r2.status, 200);
  assertEquals((await r2.json()).code, 'sqlstate_22003');
  assertEquals(ledger.failures, [
    'evt_unit' + (seq) + ': idempotency_key_reused: The idempotency key stripe:pi:pi_H was already used for a different change.',
    'evt_unit' + (seq) + ': sqlstate_22003: value "99999999999" is out of range for type integer'
  ]);
  assertEquals((await send(() => Promise.reject(lost))).status, 500, 'a lost connection is still retried');
});

Deno.test('a signed payload that is not an event object is refused with 400', async () => {
  for (const payload of ['null', '[]', '12', '"evt"']) {
    const header = await stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: SECRET, timestamp: NOW / 1000, cryptoProvider: crypto });
    const res = await handleStripeWebhook(new Request('http://f/', { method: 'POST', body: payload, headers: { 'stripe-signature': header } }), new FakeLedger().deps());
    assertEquals(res.status, 400, payload);
    assertEquals((await res.json()).error.code, 'event_invalid');
  }
});

Deno.test('only POST is accepted', async () => {
  const res = await handleStripeWebhook(new Request('http://f/', { method: 'GET' }), new FakeLedger().deps());
  assertEquals(res.status, 405);
});
