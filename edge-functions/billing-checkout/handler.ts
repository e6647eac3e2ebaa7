// Starts a Stripe Checkout for a credit pack, a monthly plan, or saving a card without buying anything (setup mode). The user comes from the live session, never from
// the body; the credits travel in metadata set here; one checkout per user at a time (a database claim, so two
// tabs or a double click cannot start two payments); the Stripe customer is created once per user.
import { appError } from '../../core/src/errors.ts';
import { readJsonObject } from '../_shared/request_body.ts';
import { fail, failWith, json } from '../_shared/responses.ts';
import { sqlMoneyError } from '../_shared/sql_errors.ts';
import { requireSession, type SessionDeps } from '../_shared/user_session.ts';
import { checkoutName, CREDIT_PACKS, findPack, findPlan, PLANS } from '../../core/src/catalogue.ts';

export interface CheckoutClaim {
  checkoutId: string;
  stripeCustomerId: string | null;
  email: string | null;
  /** Open sessions of this user left alone long enough to give way; expired at Stripe so they cannot be paid. */
  supersededSessionIds: string[];
}

export interface CheckoutStore {
  begin(userId: string, kind: 'pack' | 'plan' | 'setup', item: string, credits: number, amountCents: number): Promise<CheckoutClaim>;
  /** Links the customer unless the user already has one; returns the customer now linked. */
  linkCustomer(userId: string, customerId: string): Promise<string>;
  open(checkoutId: string, sessionId: string, url: string, expiresAt: Date): Promise<void>;
  abandon(checkoutId: string): Promise<void>;
}

export interface SessionParams {
  mode: 'payment' | 'subscription' | 'setup';
  customer: string;
  client_reference_id: string;
  success_url: string;
  cancel_url: string;
  /** Setup mode only: Checkout picks the card types by currency. */
  currency?: 'usd';
  setup_intent_data?: { metadata: Record<string, string> };
  line_items?: {
    quantity: number;
    price_data: { currency: 'usd'; unit_amount: number; product_data: { name: string }; recurring?: { interval: 'month' } };
  }[];
  metadata: Record<string, string>;
  payment_intent_data?: { metadata: Record<string, string>; setup_future_usage?: 'off_session' };
  subscription_data?: { metadata: Record<string, string> };
}

export interface CheckoutStripe {
  createCustomer(params: { email?: string; metadata: Record<string, string> }, idempotencyKey: string): Promise<{ id: string }>;
  createSession(params: SessionParams, idempotencyKey: string): Promise<{ id: string; url: string | null; expires_at: number }>;
  expireSession(sessionId: string): Promise<unknown>;
}

export interface BillingCheckoutDeps {
  session: SessionDeps;
  store: CheckoutStore;
  stripe: CheckoutStripe;
  siteUrl: string;
  /** Other origins of the app that may receive the buyer back (e.g. a preview deployment); never arbitrary ones. */
  extraSiteUrls?: string[];
  log: (line: string) => void;
}

const STORE_ERRORS: Record<string, number> = {
  checkout_in_progress: 409,
  unknown_user: 404,
  amount_not_positive: 400
};

function storeFailure(err: unknown, deps: BillingCheckoutDeps): Response {
  const money = sqlMoneyError(err);
  if (money && STORE_ERRORS[money.code]) return fail(STORE_ERRORS[money.code]!, money.code, money.message);
  deps.log(`billing-checkout: database error: ${(err as Error).message}`);
  return failWith(appError('internal_error'));
}

export async function handleBillingCheckout(req: Request, deps: BillingCheckoutDeps): Promise<Response> {
  if (req.method !== 'POST') return failWith(appError('invalid_input', 'Use POST.'));
  const session = await requireSession(req, deps.session);
  if (session instanceof Response) return session;
  const body = await readJsonObject(req);
  if (!body.ok) return failWith(body.error);

  const { pack: packId, plan: planId, setup } = body.value;
  const chosen = [packId, planId, setup].filter((v) => v !== undefined).length;
  if (chosen !== 1 || (packId !== undefined && typeof packId !== 'string')
      || (planId !== undefined && typeof planId !== 'string') || (setup !== undefined && setup !== true)) {
    return failWith(appError('invalid_input', 'Choose one: a credit pack ("pack"), a plan ("plan"), or saving a card ("setup": true).'));
  }
  // The buyer returns to the app origin they came from when it is one of ours, else to the main site.
  const origin = req.headers.get('origin')?.replace(/\/$/, '');
  const returnTo = origin && (deps.extraSiteUrls ?? []).includes(origin) ? origin : deps.siteUrl;
  if (setup === true) return saveCard(session.userId, returnTo, deps);

  const pack = typeof packId === 'string' ? findPack(packId) : undefined;
  const plan = typeof planId === 'string' ? findPlan(planId) : undefined;
  if (typeof packId === 'string' && !pack) {
    return fail(400, 'unknown_pack', `There is no credit pack called "${packId.slice(0, 40)}". Choose one of: ${CREDIT_PACKS.map((p) => p.id).join(', ')}.`);
  }
  if (typeof planId === 'string' && !plan) {
    return fail(400, 'unknown_plan', `There is no plan called "${planId.slice(0, 40)}". Choose one of: ${PLANS.map((p) => p.id).join(', ')}.`);
  }
  const kind = pack ? 'pack' : 'plan';
  const item = (pack ?? plan)!;
  const credits = pack ? pack.credits : plan!.monthlyCredits;
  const userId = session.userId;
  return startCheckout(userId, { kind, item: item.id, credits, amountCents: item.priceCents }, deps, async (customer) => {
    const meta = { user_id: userId, kind: pack ? 'credit_pack' : 'subscription', item: item.id, credits: String(credits) };
    const params: SessionParams = {
      mode: pack ? 'payment' : 'subscription',
      customer,
      client_reference_id: userId,
      success_url: `${returnTo}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${returnTo}/billing?checkout=cancelled`,
      line_items: [{
        quantity: 1,
        price_data: { currency: 'usd', unit_amount: item.priceCents, product_data: { name: `Call Me Back: ${checkoutName(item)}` },
                      ...(plan ? { recurring: { interval: 'month' as const } } : {}) }
      }],
      metadata: meta,
      // The card used to buy credits is kept for pay-per-call, as the checkout page tells the buyer.
      ...(pack ? { payment_intent_data: { metadata: meta, setup_future_usage: 'off_session' as const } } : {}),
      ...(plan ? { subscription_data: { metadata: { user_id: userId, plan: plan.id, monthly_credits: String(plan.monthlyCredits) } } } : {})
    };
    return { params, reply: { kind, item: item.id, credits, amount_cents: item.priceCents } };
  });
}

/** Checkout in setup mode: the card is saved on the customer (the webhook then records it); nothing is charged. */
function saveCard(userId: string, returnTo: string, deps: BillingCheckoutDeps): Promise<Response> {
  return startCheckout(userId, { kind: 'setup', item: 'card', credits: 0, amountCents: 0 }, deps, (customer) => Promise.resolve({
    params: {
      mode: 'setup', currency: 'usd', customer, client_reference_id: userId,
      success_url: `${returnTo}/billing?checkout=card_saved&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${returnTo}/billing?checkout=cancelled`,
      metadata: { user_id: userId, kind: 'save_card' },
      setup_intent_data: { metadata: { user_id: userId } }
    },
    reply: { kind: 'setup' }
  }));
}

interface Claimed {
  kind: 'pack' | 'plan' | 'setup';
  item: string;
  credits: number;
  amountCents: number;
}

/**
 * Claims the user's checkout slot, expires at Stripe the open checkout it replaces, makes sure the user has a Stripe
 * customer, and opens the session `build` describes. Any failure after the claim lets the claim go.
 */
async function startCheckout(userId: string, c: Claimed, deps: BillingCheckoutDeps,
                             build: (customer: string) => Promise<{ params: SessionParams; reply: Record<string, unknown> }>): Promise<Response> {
  let claim: CheckoutClaim;
  try {
    claim = await deps.store.begin(userId, c.kind, c.item, c.credits, c.amountCents);
  } catch (err) {
    return storeFailure(err, deps);
  }

  for (const stale of claim.supersededSessionIds) {
    await deps.stripe.expireSession(stale).catch((err) => deps.log(`billing-checkout: could not expire ${stale}: ${(err as Error).message}`));
  }

  try {
    let customer = claim.stripeCustomerId;
    if (!customer) {
      // Same key for every attempt by this user: retries and races reuse one Stripe customer.
      const created = await deps.stripe.createCustomer(
        { ...(claim.email ? { email: claim.email } : {}), metadata: { user_id: userId } }, `customer:${userId}`);
      customer = await deps.store.linkCustomer(userId, created.id);
    }
    const { params, reply } = await build(customer);
    const created = await deps.stripe.createSession(params, `checkout:${claim.checkoutId}`);
    if (!created.url) throw new Error('Stripe returned a Checkout Session without a URL');
    await deps.store.open(claim.checkoutId, created.id, created.url, new Date(created.expires_at * 1000));
    return json(200, { url: created.url, session_id: created.id, ...reply });
  } catch (err) {
    await deps.store.abandon(claim.checkoutId).catch(() => undefined);
    if (sqlMoneyError(err)) return storeFailure(err, deps);
    deps.log(`billing-checkout: Stripe error: ${(err as Error).message}`);
    return failWith(appError('provider_unavailable', 'The payment provider is not responding. Nothing was charged; please try again shortly.'));
  }
}
