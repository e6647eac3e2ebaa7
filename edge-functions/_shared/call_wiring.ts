// Wiring for the functions that place calls (call now, the scheduled-call dispatcher).
import { stripeCardPayments } from './card_payments.ts';
import { requireEnv } from './env.ts';
import { DEFAULT_CALL_LIMITS, type PlaceCallDeps } from './place_call.ts';
import { stripeClient } from './stripe_client.ts';
import { commandWiring } from './wiring.ts';

export function callWiring(fn: string): PlaceCallDeps & ReturnType<typeof commandWiring> {
  const base = commandWiring(fn);
  const env = requireEnv(['PUBLIC_API_URL', 'TWILIO_FROM_NUMBER', 'STRIPE_SECRET_KEY']);
  // STRIPE_API_BASE points the SDK at devstack's stand-in; production leaves it unset (api.stripe.com).
  const stripe = stripeClient(env.STRIPE_SECRET_KEY, Deno.env.get('STRIPE_API_BASE'));
  return {
    ...base,
    publicApiUrl: env.PUBLIC_API_URL,
    twilioFromNumber: env.TWILIO_FROM_NUMBER,
    demoMode: Deno.env.get('DEMO_MODE') === 'true',
    // The same setting the web app reads to choose the browser transport (Twilio unless another is configured).
    browserCallsViaTwilio: (Deno.env.get('PUBLIC_BROWSER_CALLS') || 'twilio') === 'twilio',
    limits: { ...DEFAULT_CALL_LIMITS, callsPerSecond: dialPace(Deno.env.get('DISPATCH_CALLS_PER_SECOND')) },
    cards: stripeCardPayments(stripe, base.db, base.log)
  };
}

/** DISPATCH_CALLS_PER_SECOND is the one dial pace: call-now dials and the scheduled-call dispatcher share it. */
function dialPace(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_CALL_LIMITS.callsPerSecond;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1000) throw new Error(`DISPATCH_CALLS_PER_SECOND must be a number above 0 and at most 1000, got "${raw}"`);
  return n;
}
