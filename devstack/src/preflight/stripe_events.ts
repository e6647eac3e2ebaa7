// The Stripe events the product acts on (private.ingest_stripe_event in the migrations): a webhook endpoint must
// send each of them, or purchases, subscriptions, card-paid calls, refunds, saved cards or card charges never reach
// the ledger or the billing page.
export const HANDLED_STRIPE_EVENTS: readonly string[] = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.expired',
  'payment_intent.succeeded',
  'payment_intent.amount_capturable_updated',
  'payment_intent.canceled',
  'payment_intent.payment_failed',
  'invoice.paid',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'charge.succeeded',
  'charge.captured',
  'charge.updated',
  'charge.refunded',
  'setup_intent.succeeded',
  'payment_method.attached',
  'payment_method.detached'
];
