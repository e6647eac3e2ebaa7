import type { ServiceDeps } from '../../gateway/types.ts';
import { startStripeStandIn } from './server.ts';

/** Runs the Stripe stand-in inside devstack, posting webhooks to the stripe-webhook edge function. */
export async function createService(deps: ServiceDeps): Promise<{ close: () => Promise<void> }> {
  const v = deps.config.vendors;
  const stand = await startStripeStandIn({
    port: v.stripePort,
    webhookUrl: process.env.STRIPE_WEBHOOK_URL ?? `http://127.0.0.1:${deps.config.apiPort}/functions/v1/stripe-webhook`,
    webhookSecret: v.stripeWebhookSecret,
    secretKey: v.stripeSecretKey,
    log: deps.log
  });
  return { close: stand.close };
}
