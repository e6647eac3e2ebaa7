// Wiring for the functions that place calls (call now, the scheduled-call dispatcher).
import { stripeCardPayments } from './card_payments.ts';
import { requireEnv } from './env.ts';
import type { PlaceCallDeps } from './place_call.ts';
import { stripeClient } from './stripe_client.ts';
import { commandWiring } from './wiring.ts';

export function callWiring(): PlaceCallDeps & ReturnType<typeof commandWiring> {
  const base = commandWiring();
  const env = requireEnv(['PUBLIC_API_URL', 'TWILIO_FROM_NUMBER', 'STRIPE_SECRET_KEY']);
  // STRIPE_API_BASE points the SDK at devstack's stand-in; production leaves it unset (api.stripe.com).
  const stripe = stripeClient(env.STRIPE_SECRET_KEY, Deno.env.get('STRIPE_API_BASE'));
  return {
    ...base,
    publicApiUrl: env.PUBLIC_API_URL,
    twilioFromNumber: env.TWILIO_FROM_NUMBER,
    demoMode: Deno.env.get('DEMO_MODE') === 'true',
    cards: stripeCardPayments(stripe, base.db, base.log)
  };
}
