// billing-checkout with fake session, store and Stripe: what it sends to Stripe, and every refusal.
import { assert, assertEquals, assertMatch } from '../_shared/assert.ts';
import { sessionFor } from '../_shared/testing.ts';
import { handleBillingCheckout, type BillingCheckoutDeps, type CheckoutClaim, type SessionParams } from './handler.ts';

const USER = '0b6f5f3c-4a57-4c5e-9f55-3d5a2f0c1e01';

function moneyError(code: string, sentence: string) {
  return Object.assign(new Error(`${code}: ${sentence}`), { code: 'P0001' });
}

function setup(over: { customer?: string | null; begin?: () => Promise<CheckoutClaim>; sessionFails?: boolean; superseded?: string[] } = {}) {
  const s = sessionFor(USER);
  const calls = {
    begin: [] as unknown[][], linked: [] as string[], opened: [] as string[], abandoned: [] as string[],
    customers: [] as { key: string; email?: string }[], sessions: [] as { params: SessionParams; key: string }[],
    expired: [] as string[]
  };
  const deps: BillingCheckoutDeps = {
    session: s.deps,
    store: {
      begin: over.begin ?? (async (...args) => {
        calls.begin.push(args);
        return { checkoutId: 'chk-1', stripeCustomerId: over.customer === undefined ? null : over.customer, email: 'ada@example.com',
                 supersededSessionIds: over.superseded ?? [] };
      }),
      linkCustomer: async (_u, c) => { calls.linked.push(c); return c; },
      open: async (id, sid) => void calls.opened.push(`${id}:${sid}`),
      abandon: async (id) => void calls.abandoned.push(id)
    },
    stripe: {
      createCustomer: async (p, key) => { calls.customers.push({ key, email: p.email }); return { id: 'cus_new' }; },
      createSession: async (params, key) => {
        if (over.sessionFails) throw new Error('connect ECONNREFUSED');
        calls.sessions.push({ params, key });
        return { id: 'cs_test_1', url: 'http://stripe.local/checkout/cs_test_1', expires_at: 1_900_000_000 };
      },
      expireSession: async (id) => void calls.expired.push(id)
    },
    siteUrl: 'http://app.local',
    extraSiteUrls: ['http://preview.app.local'],
    log: () => undefined
  };
  const send = (body: unknown, authorization: string | null = s.authorization, origin?: string) => handleBillingCheckout(
    new Request('http://functions/billing-checkout', {
      method: 'POST', body: JSON.stringify(body),
      headers: { ...(authorization ? { authorization } : {}), ...(origin ? { origin } : {}) }
    }), deps);
  return { deps, calls, send };
}

Deno.test('a credit pack starts a one-off Checkout carrying the credits in server-set metadata', async () => {
  const { calls, send } = setup();
  const res = await send({ pack: 'credits_1000' });
  assertEquals(res.status, 200);
  assertEquals(await res.json(), {
    url: 'http://stripe.local/checkout/cs_test_1', session_id: 'cs_test_1', kind: 'pack', item: 'credits_1000', credits: 1000, amount_cents: 1000
  });
  assertEquals(calls.begin, [[USER, 'pack', 'credits_1000', 1000, 1000]]);
  assertEquals(calls.customers, [{ key: `customer:${USER}`, email: 'ada@example.com' }], 'the customer is created once per user, idempotently');
  assertEquals(calls.linked, ['cus_new']);
  const { params, key } = calls.sessions[0]!;
  assertEquals(key, 'checkout:chk-1');
  assertEquals(params.mode, 'payment');
  assertEquals(params.customer, 'cus_new');
  assertEquals(params.client_reference_id, USER);
  assertEquals(params.line_items![0]!.price_data.unit_amount, 1000);
  assertEquals(params.metadata, { user_id: USER, kind: 'credit_pack', item: 'credits_1000', credits: '1000' });
  assertEquals(params.payment_intent_data?.metadata.credits, '1000');
  assertMatch(params.success_url, /^http:\/\/app\.local\/billing\?checkout=success&session_id=\{CHECKOUT_SESSION_ID\}$/);
  assertEquals(calls.opened, ['chk-1:cs_test_1']);
});

Deno.test('a plan starts a subscription Checkout for the existing customer', async () => {
  const { calls, send } = setup({ customer: 'cus_existing' });
  const res = await send({ plan: 'plus' });
  assertEquals(res.status, 200);
  assertEquals(calls.customers.length, 0);
  const { params } = calls.sessions[0]!;
  assertEquals(params.mode, 'subscription');
  assertEquals(params.customer, 'cus_existing');
  assertEquals(params.line_items![0]!.price_data.recurring, { interval: 'month' });
  assertEquals(params.subscription_data?.metadata, { user_id: USER, plan: 'plus', monthly_credits: '2000' });
});

Deno.test('unknown packs and plans, and malformed choices, are refused before anything is claimed', async () => {
  const { calls, send } = setup();
  const cases: [unknown, number, string][] = [
    [{ pack: 'credits_999999' }, 400, 'unknown_pack'],
    [{ plan: 'platinum' }, 400, 'unknown_plan'],
    [{}, 400, 'invalid_input'],
    [{ pack: 'credits_500', plan: 'plus' }, 400, 'invalid_input'],
    [{ pack: 500 }, 400, 'invalid_input']
  ];
  for (const [body, status, code] of cases) {
    const res = await send(body);
    assertEquals(res.status, status, JSON.stringify(body));
    const err = (await res.json()).error;
    assertEquals(err.code, code);
    assert(err.message.length > 20, 'a sentence a person can act on');
  }
  assertEquals(calls.begin.length + calls.sessions.length, 0);
});

Deno.test('without a live session nothing happens', async () => {
  const { calls, send } = setup();
  assertEquals((await send({ pack: 'credits_500' }, null)).status, 401);
  assertEquals(calls.begin.length, 0);
});

Deno.test('a second concurrent checkout is refused with 409 and its reason', async () => {
  const { calls, send } = setup({
    begin: () => Promise.reject(moneyError('checkout_in_progress', 'You already have a checkout open. Finish or cancel it first.'))
  });
  const res = await send({ pack: 'credits_500' });
  assertEquals(res.status, 409);
  assertEquals((await res.json()).error, { code: 'checkout_in_progress', message: 'You already have a checkout open. Finish or cancel it first.' });
  assertEquals(calls.sessions.length, 0);
});

Deno.test('when Stripe fails the claim is released and the user is told nothing was charged', async () => {
  const { calls, send } = setup({ sessionFails: true });
  const res = await send({ pack: 'credits_500' });
  assertEquals(res.status, 503);
  assertEquals((await res.json()).error.code, 'provider_unavailable');
  assertEquals(calls.abandoned, ['chk-1']);
  assertEquals(calls.opened, []);
});

Deno.test('an abandoned open checkout that gave way is expired at Stripe so it can no longer be paid', async () => {
  const { calls, send } = setup({ customer: 'cus_existing', superseded: ['cs_test_old'] });
  assertEquals((await send({ pack: 'credits_500' })).status, 200);
  assertEquals(calls.expired, ['cs_test_old']);
});

Deno.test('the buyer returns to one of our app origins, never to an arbitrary one', async () => {
  const ours = setup();
  await ours.send({ pack: 'credits_500' }, undefined, 'http://preview.app.local');
  assertMatch(ours.calls.sessions[0]!.params.success_url, /^http:\/\/preview\.app\.local\/billing\?checkout=success/);
  const theirs = setup();
  await theirs.send({ pack: 'credits_500' }, undefined, 'https://evil.example');
  assertMatch(theirs.calls.sessions[0]!.params.cancel_url, /^http:\/\/app\.local\/billing\?checkout=cancelled$/);
});

Deno.test('saving a card starts a setup-mode Checkout that charges nothing and returns to the billing page', async () => {
  const { calls, send } = setup({ customer: 'cus_existing' });
  const res = await send({ setup: true });
  assertEquals(res.status, 200);
  assertEquals((await res.json()).kind, 'setup');
  assertEquals(calls.begin, [[USER, 'setup', 'card', 0, 0]]);
  const { params, key } = calls.sessions[0]!;
  assertEquals(key, 'checkout:chk-1');
  assertEquals([params.mode, params.currency, params.customer, params.line_items], ['setup', 'usd', 'cus_existing', undefined]);
  assertEquals(params.setup_intent_data, { metadata: { user_id: USER } });
  assertMatch(params.success_url, /^http:\/\/app\.local\/billing\?checkout=card_saved&session_id=\{CHECKOUT_SESSION_ID\}$/);
  for (const body of [{ setup: 'yes' }, { setup: true, pack: 'credits_500' }]) {
    const refused = await send(body);
    assertEquals([refused.status, (await refused.json()).error.code], [400, 'invalid_input']);
  }
  assertEquals(calls.begin.length, 1);
});
