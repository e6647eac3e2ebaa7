// Contract: idempotency keys and API versions as the real `stripe` SDK meets them at api.stripe.com.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeStandIn, STAND_IN_API_VERSION, type StripeStandIn } from './server.ts';

const KEY = 'sk_test_idempotency_00000000000000';
const HOUR = 60 * 60 * 1000;

describe('Stripe stand-in: idempotency keys and API versions', () => {
  let stand: StripeStandIn;
  let clock = Date.UTC(2026, 11, 5);
  const sdk = (apiVersion?: string) =>
    new Stripe(KEY, { host: '127.0.0.1', port: stand.port, protocol: 'http', maxNetworkRetries: 0, ...(apiVersion ? { apiVersion: apiVersion as never } : {}) });

  beforeAll(async () => {
    stand = await startStripeStandIn({ port: 0, webhookUrl: null, webhookSecret: 'whsec_x', secretKey: KEY, clock: () => clock });
  });
  afterAll(() => stand.close());

  it('replays the stored response for the same key and parameters, and says so', async () => {
    const stripe = sdk();
    const a = await stripe.customers.create({ email: 'same@example.com', metadata: { n: '1' } }, { idempotencyKey: 'k-same' });
    const b = await stripe.customers.create({ email: 'same@example.com', metadata: { n: '1' } }, { idempotencyKey: 'k-same' });
    expect(b.id).toBe(a.id);
    expect(a.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(b.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(stand.events.filter((e) => e.type === 'customer.created' && (e.data.object as { id: string }).id === a.id)).toHaveLength(1);
  });

  it('refuses the same key with different parameters with StripeIdempotencyError, executing nothing', async () => {
    const stripe = sdk();
    await stripe.customers.create({ email: 'first@example.com' }, { idempotencyKey: 'k-diff' });
    const before = stand.events.length;
    const err = await stripe.customers.create({ email: 'second@example.com' }, { idempotencyKey: 'k-diff' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err).toMatchObject({
      statusCode: 400, type: 'StripeIdempotencyError',
      message: "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than 'k-diff' if you meant to execute a different request."
    });
    expect(stand.events.length).toBe(before);
    const other = await stripe.paymentIntents.create({ amount: 500, currency: 'usd' }, { idempotencyKey: 'k-diff' }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('does not store a request refused for its parameters, and forgets keys after 24 hours', async () => {
    const stripe = sdk();
    const bad = await stripe.paymentIntents.create({ currency: 'usd' } as never, { idempotencyKey: 'k-retry' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const fixed = await stripe.paymentIntents.create({ amount: 700, currency: 'usd' }, { idempotencyKey: 'k-retry' });
    expect(fixed.amount).toBe(700);

    const first = await stripe.customers.create({ email: 'ttl@example.com' }, { idempotencyKey: 'k-ttl' });
    clock += 23 * HOUR;
    expect((await stripe.customers.create({ email: 'ttl@example.com' }, { idempotencyKey: 'k-ttl' })).id).toBe(first.id);
    clock += 2 * HOUR;
    const later = await stripe.customers.create({ email: 'ttl2@example.com' }, { idempotencyKey: 'k-ttl' });
    expect(later.id).not.toBe(first.id);
  });

  it('answers in the version a request pins, and in the account default otherwise', async () => {
    const pinned = await sdk('2025-03-31.basil').customers.create({ email: 'v@example.com' });
    expect(pinned.lastResponse.apiVersion).toBe('2025-03-31.basil');
    const raw = await fetch(`${stand.url}/v1/customers`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=d%40example.com' });
    expect(raw.headers.get('stripe-version')).toBe(STAND_IN_API_VERSION);
    const latest = await sdk().customers.create({ email: 'sdk@example.com' });
    expect(latest.lastResponse.apiVersion).toBe(Stripe.API_VERSION);
  });

  it('refuses an unknown or malformed API version as Stripe does', async () => {
    for (const v of ['2099-01-01.zinnia', '2026-10-28.clover', '2019-2-19', 'latest']) {
      const err = await sdk(v).customers.create({ email: 'x@example.com' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err).toMatchObject({ statusCode: 400, message: `Invalid Stripe API version: ${v}` });
    }
  });

  it('stamps events with the account version, or the version the webhook endpoint pins', async () => {
    const pinnedHook = await startStripeStandIn({ port: 0, webhookUrl: null, webhookSecret: 'whsec_x', secretKey: KEY, webhookApiVersion: '2026-10-28.endive' });
    try {
      const s = new Stripe(KEY, { host: '127.0.0.1', port: pinnedHook.port, protocol: 'http', maxNetworkRetries: 0, apiVersion: '2025-03-31.basil' as never });
      await s.customers.create({ email: 'e@example.com' });
      expect(pinnedHook.events.at(-1)).toMatchObject({ type: 'customer.created', api_version: '2026-10-28.endive' });
    } finally {
      await pinnedHook.close();
    }
    await sdk('2025-03-31.basil').customers.create({ email: 'acct@example.com' });
    expect(stand.events.at(-1)).toMatchObject({ type: 'customer.created', api_version: STAND_IN_API_VERSION });
  });
});
