// The checkout claim functions in Postgres (private schema, service role), behind the CheckoutStore interface.
import type { Queryable } from '../_shared/queryable.ts';
import type { CheckoutClaim, CheckoutStore } from './handler.ts';

export function pgCheckoutStore(db: Queryable): CheckoutStore {
  return {
    async begin(userId, kind, item, credits, amountCents): Promise<CheckoutClaim> {
      const r = await db.query<{ checkout_id: string; stripe_customer_id: string | null; email: string | null; superseded_session_ids: string[] }>(
        'select * from private.begin_checkout($1, $2, $3, $4, $5)', [userId, kind, item, credits, amountCents]);
      const row = r.rows[0]!;
      return { checkoutId: row.checkout_id, stripeCustomerId: row.stripe_customer_id, email: row.email,
               supersededSessionIds: row.superseded_session_ids ?? [] };
    },
    async linkCustomer(userId, customerId) {
      const r = await db.query<{ c: string }>('select private.link_stripe_customer($1, $2) as c', [userId, customerId]);
      return r.rows[0]!.c;
    },
    async open(checkoutId, sessionId, url, expiresAt) {
      await db.query('select private.open_checkout($1, $2, $3, $4)', [checkoutId, sessionId, url, expiresAt.toISOString()]);
    },
    async abandon(checkoutId) {
      await db.query('select private.abandon_checkout($1)', [checkoutId]);
    }
  };
}
