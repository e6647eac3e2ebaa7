// Wiring for the functions that place calls (call now, the scheduled-call dispatcher).
import { stripeCardPayments } from './card_payments.ts';
import { functionSettings } from './env.ts';
import { DEFAULT_CALL_LIMITS, type PlaceCallDeps } from './place_call.ts';
import { stripeClient } from './stripe_client.ts';
import { commandWiring } from './wiring.ts';

export function callWiring(fn: string): PlaceCallDeps & ReturnType<typeof commandWiring> {
  const base = commandWiring(fn);
  const env = functionSettings([
    'PUBLIC_API_URL', 'TWILIO_FROM_NUMBER', 'STRIPE_SECRET_KEY', 'STRIPE_API_BASE', 'DEMO_MODE', 'PUBLIC_BROWSER_CALLS', 'DISPATCH_CALLS_PER_SECOND',
    'CALLS_PER_ADDRESS_PER_HOUR'
  ]);
  // STRIPE_API_BASE points the SDK at devstack's stand-in; production leaves it unset (api.stripe.com).
  const stripe = stripeClient(env.STRIPE_SECRET_KEY, env.STRIPE_API_BASE);
  return {
    ...base,
    publicApiUrl: env.PUBLIC_API_URL,
    twilioFromNumber: env.TWILIO_FROM_NUMBER,
    demoMode: env.DEMO_MODE,
    // The same setting the web app reads to choose the browser transport (Twilio unless another is configured).
    browserCallsViaTwilio: env.PUBLIC_BROWSER_CALLS === 'twilio',
    // DISPATCH_CALLS_PER_SECOND is the one dial pace: call-now dials and the scheduled-call dispatcher share it.
    limits: { ...DEFAULT_CALL_LIMITS, callsPerSecond: env.DISPATCH_CALLS_PER_SECOND, callsPerIpPerHour: env.CALLS_PER_ADDRESS_PER_HOUR },
    cards: stripeCardPayments(stripe, base.db, base.log)
  };
}
