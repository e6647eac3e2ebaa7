// What a customer changes on the billing page without a payment page: remove the saved card, change the monthly
// plan, cancel it at the end of the period, or resume it. The user comes from the live session; Stripe is changed
// here and our rows follow from Stripe's webhooks (payment_method.detached, customer.subscription.updated), except
// the removed card, which is cleared at once so it can no longer be chosen. Credits are never granted here: a plan
// change takes effect at the next renewal, whose paid invoice grants the new plan's credits.
import { findPlan, PLANS, type Plan } from '../../core/src/catalogue.ts';
import { appError } from '../../core/src/errors.ts';
import type { Queryable } from '../_shared/queryable.ts';
import { readJsonObject } from '../_shared/request_body.ts';
import { fail, failWith, json } from '../_shared/responses.ts';
import { requireSession, type SessionDeps } from '../_shared/user_session.ts';

interface SubscriptionShape {
  id: string;
  status: string;
  cancel_at_period_end: boolean;
  metadata: Record<string, string>;
  items: { data: { id: string; current_period_end?: number; price: { id: string; unit_amount: number | null } }[] };
}

/** The slice of the Stripe SDK used here; the real `Stripe` client satisfies it. */
export interface ManageStripe {
  paymentMethods: { detach(id: string): Promise<unknown> };
  prices: {
    create(params: { currency: 'usd'; unit_amount: number; recurring: { interval: 'month' }; product_data: { name: string } },
           options?: { idempotencyKey?: string }): Promise<{ id: string }>;
  };
  subscriptions: {
    retrieve(id: string): Promise<SubscriptionShape>;
    update(id: string, params: {
      items?: { id: string; price: string }[];
      proration_behavior?: 'none';
      cancel_at_period_end?: boolean;
      metadata?: Record<string, string>;
    }): Promise<SubscriptionShape>;
  };
}

export interface BillingManageDeps {
  session: SessionDeps;
  db: Queryable;
  stripe: ManageStripe;
  log: (line: string) => void;
}

const ACTIONS = ['remove_card', 'change_plan', 'cancel_plan', 'resume_plan'] as const;
type Action = typeof ACTIONS[number];
const LIVE = ['active', 'trialing', 'past_due'];

interface StripeErrorShape {
  type?: string;
  code?: string;
  message?: string;
}

const unavailable = () => failWith(appError('provider_unavailable', 'The payment provider is not responding. Nothing was changed; try again shortly.'));

export async function handleBillingManage(req: Request, deps: BillingManageDeps): Promise<Response> {
  if (req.method !== 'POST') return failWith(appError('invalid_input', 'Use POST.'));
  const session = await requireSession(req, deps.session);
  if (session instanceof Response) return session;
  const body = await readJsonObject(req);
  if (!body.ok) return failWith(body.error);
  const action = body.value.action;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    return failWith(appError('invalid_input', `Say what to do ("action"): one of ${ACTIONS.join(', ')}.`));
  }
  if (action === 'remove_card') return removeCard(session.userId, deps);
  let plan: Plan | undefined;
  if (action === 'change_plan') {
    const planId = body.value.plan;
    plan = typeof planId === 'string' ? findPlan(planId) : undefined;
    if (!plan) {
      return fail(400, 'unknown_plan', `There is no plan called "${String(planId ?? '').slice(0, 40)}". Choose one of: ${PLANS.map((p) => p.id).join(', ')}.`);
    }
  }
  return changeSubscription(session.userId, action as Exclude<Action, 'remove_card'>, plan, deps);
}

async function removeCard(userId: string, deps: BillingManageDeps): Promise<Response> {
  const r = await deps.db.query<{ pm: string }>('select stripe_payment_method_id as pm from public.payment_cards where user_id = $1', [userId]);
  const pm = r.rows[0]?.pm;
  if (!pm) return fail(404, 'card_missing', 'You have no saved card to remove.');
  try {
    await deps.stripe.paymentMethods.detach(pm);
  } catch (err) {
    const e = err as StripeErrorShape;
    // Already detached (or gone) at Stripe: what the user asked for is already true there.
    if (e.code !== 'resource_missing' && e.code !== 'payment_method_unexpected_state') {
      deps.log(`billing-manage: could not detach ${pm}: ${e.message}`);
      return unavailable();
    }
  }
  await deps.db.query('select private.clear_saved_card($1, $2)', [userId, pm]);
  return json(200, { removed: true });
}

type SubscriptionRow = {
  subscription_id: string | null;
  status: string | null;
  plan: string | null;
  cancel_at_period_end: boolean;
};

async function changeSubscription(userId: string, action: 'change_plan' | 'cancel_plan' | 'resume_plan', plan: Plan | undefined,
                                  deps: BillingManageDeps): Promise<Response> {
  const r = await deps.db.query<SubscriptionRow>(
    `select stripe_subscription_id as subscription_id, subscription_status as status, subscription_plan as plan, cancel_at_period_end
       from public.user_credits where user_id = $1`, [userId]);
  const row = r.rows[0];
  if (!row?.subscription_id || !LIVE.includes(row.status ?? '')) {
    return fail(409, 'no_subscription', 'You have no active plan. Choose a plan on the Billing page to subscribe.');
  }
  if (action === 'change_plan' && row.plan === plan!.id) {
    return fail(400, 'same_plan', `You are already on the ${plan!.name} plan. Choose another plan to change to.`);
  }
  try {
    const sub = await deps.stripe.subscriptions.retrieve(row.subscription_id);
    if (!LIVE.includes(sub.status)) {
      return fail(409, 'no_subscription', 'Your plan has already ended. Choose a plan on the Billing page to subscribe again.');
    }
    let updated: SubscriptionShape;
    if (action === 'change_plan') {
      const item = sub.items.data[0]!;
      // The new price applies from the next renewal, without prorations: the renewal invoice then pays exactly the
      // new plan's price, which is what grants its credits (grants come only from a paid price that names a plan).
      const price = await deps.stripe.prices.create(
        { currency: 'usd', unit_amount: plan!.priceCents, recurring: { interval: 'month' }, product_data: { name: `Call Me Back: ${plan!.name}` } },
        { idempotencyKey: `plan-price:${sub.id}:${item.id}:${plan!.id}` });
      updated = await deps.stripe.subscriptions.update(sub.id, {
        items: [{ id: item.id, price: price.id }], proration_behavior: 'none',
        metadata: { plan: plan!.id, monthly_credits: String(plan!.monthlyCredits) }
      });
    } else {
      updated = await deps.stripe.subscriptions.update(sub.id, { cancel_at_period_end: action === 'cancel_plan' });
    }
    const item = updated.items.data[0];
    return json(200, {
      subscription: updated.id, status: updated.status, plan: updated.metadata.plan ?? row.plan,
      cancel_at_period_end: updated.cancel_at_period_end,
      current_period_end: item?.current_period_end ? new Date(item.current_period_end * 1000).toISOString() : null
    });
  } catch (err) {
    const e = err as StripeErrorShape;
    if (e.type === 'StripeInvalidRequestError') {
      deps.log(`billing-manage: Stripe refused ${action} on ${row.subscription_id}: ${e.message}`);
      return fail(409, 'subscription_unchangeable', 'Your plan cannot be changed right now (it may have just ended). Reload the page to see where it stands.');
    }
    deps.log(`billing-manage: Stripe error on ${action}: ${e.message}`);
    return unavailable();
  }
}
