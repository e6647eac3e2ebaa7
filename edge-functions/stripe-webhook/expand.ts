// What an event needs from Stripe before it is ingested. A succeeded SetupIntent names its card only by id; the
// card's brand, last digits and expiry are fetched (the SetupIntent with its payment method expanded, as it is now,
// so a card detached since is seen as detached), and the card is made the customer's default payment method at
// Stripe, where off-session holds for card-paid calls look for it. An attached card is read again as it is now, so a
// late event never brings back a card removed since. A paid invoice is read with its payments (includable, never in
// the event): since API version 2025-03-31.basil that is the only place that says which PaymentIntent paid it, which
// a later refund of that payment needs. Every call is safe to repeat on a retry.
import type { VerifiedEvent } from './handler.ts';

interface PaymentMethodShape {
  id: string;
  customer: string | { id: string } | null;
  [key: string]: unknown;
}

/** The slice of the Stripe SDK used here; the real `Stripe` client satisfies it. */
export interface ExpandStripe {
  setupIntents: { retrieve(id: string, params: { expand: string[] }): Promise<unknown> };
  invoices: { retrieve(id: string, params: { expand: string[] }): Promise<unknown> };
  paymentMethods: { retrieve(id: string): Promise<unknown> };
  customers: { update(id: string, params: { invoice_settings: { default_payment_method: string } }): Promise<unknown> };
}

export async function expandEvent(stripe: ExpandStripe, event: VerifiedEvent): Promise<VerifiedEvent> {
  const object = (event.data as { object?: { id?: unknown } } | undefined)?.object;
  if (!object || typeof object.id !== 'string') return event;
  if (event.type === 'payment_method.attached') {
    const now = await stripe.paymentMethods.retrieve(object.id).catch((err: { code?: string }) => {
      if (err.code === 'resource_missing') return { ...object, customer: null };   // gone since: nothing to save
      throw err;
    });
    return { ...event, data: { ...(event.data as object), object: now } };
  }
  if (event.type === 'invoice.paid') {
    const withPayments = await stripe.invoices.retrieve(object.id, { expand: ['payments'] }).catch((err: { code?: string }) => {
      // Not at Stripe (deleted, or another account's): the event still counts, only without its payments.
      if (err.code === 'resource_missing') return {};
      throw err;
    }) as { payments?: unknown };
    return { ...event, data: { ...(event.data as object), object: { ...object, payments: withPayments.payments ?? null } } };
  }
  if (event.type !== 'setup_intent.succeeded') return event;
  const seti = object as { id: string };
  const current = await stripe.setupIntents.retrieve(seti.id, { expand: ['payment_method'] }) as { payment_method: PaymentMethodShape | null };
  const pm = current.payment_method;
  const customer = typeof pm?.customer === 'string' ? pm.customer : pm?.customer?.id;
  if (pm && customer) await stripe.customers.update(customer, { invoice_settings: { default_payment_method: pm.id } });
  return { ...event, data: { ...(event.data as object), object: { ...seti, payment_method: pm } } };
}
