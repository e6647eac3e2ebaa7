// The Stripe SDK for edge functions. STRIPE_API_BASE points it at devstack's stand-in (demo mode); without it the
// SDK talks to api.stripe.com. Webhook signatures are checked with Web Crypto (the only crypto in edge runtimes).
import Stripe from 'stripe';

export { Stripe };

export function stripeClient(secretKey: string, apiBase?: string): Stripe {
  if (!apiBase) return new Stripe(secretKey, { httpClient: Stripe.createFetchHttpClient(), maxNetworkRetries: 2 });
  const u = new URL(apiBase);
  return new Stripe(secretKey, {
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 2
  });
}

export const webCrypto = Stripe.createSubtleCryptoProvider();

