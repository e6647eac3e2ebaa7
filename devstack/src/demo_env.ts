// The settings every product process gets in demo mode: the same variable names production uses, pointed at
// devstack's stand-ins. Production sets these to the real vendors; nothing in product code knows the difference.
import { config, dbUrl } from './config.ts';
import { legacyApiKey } from './keys.ts';

// Demo-only secret shared by the TwiML function and the relay; production sets its own.
const DEMO_STREAM_TOKEN_SECRET = 'devstack-demo-stream-token-secret-0000000000';
// Demo-only API Key and TwiML App for browser calls through Twilio's Voice SDK; production creates its own in
// Twilio's console. The stand-in has no Voice SDK signalling, so in demo mode the web app uses the softphone.
export const DEMO_TWILIO_API_KEY_SID = 'SK00000000000000000000000000de57ac';
export const DEMO_TWILIO_API_KEY_SECRET = 'devstack-twilio-api-key-secret-000000';
export const DEMO_TWILIO_TWIML_APP_SID = 'AP00000000000000000000000000de57ac';

/** devstack's per-address call and code limits per hour (production: 30 and 10). */
export const DEVSTACK_ADDRESS_LIMIT = '1000';

/**
 * The product's production settings pointed at devstack's stand-ins, with nothing that asks for demo behaviour:
 * what the hosted profile's functions see, and what production-mode tests give the relay.
 */
export function standInEnv(): Record<string, string> {
  const { DEMO_MODE: _demo, PUBLIC_BROWSER_CALLS: _browser, SUPABASE_ANON_KEY: _anon, SUPABASE_SERVICE_ROLE_KEY: _service, ...env } = demoEnv();
  return env;
}

export function demoEnv(): Record<string, string> {
  const v = config.vendors;
  const api = `http://127.0.0.1:${config.apiPort}`;
  return {
    DEMO_MODE: 'true',
    // The stand-in carrier has no Voice SDK signalling: browser calls use the softphone straight to the relay.
    PUBLIC_BROWSER_CALLS: 'softphone',
    // The stand-in carrier has no per-account dial rate; Twilio's default is 1 call per second.
    DISPATCH_CALLS_PER_SECOND: process.env.DISPATCH_CALLS_PER_SECOND ?? '20',
    // Every browser and test on a developer's machine reaches the gateway from the one loopback address.
    CALLS_PER_ADDRESS_PER_HOUR: process.env.CALLS_PER_ADDRESS_PER_HOUR ?? DEVSTACK_ADDRESS_LIMIT,
    CODES_PER_ADDRESS_PER_HOUR: process.env.CODES_PER_ADDRESS_PER_HOUR ?? DEVSTACK_ADDRESS_LIMIT,
    PUBLIC_API_URL: api,
    SITE_URL: process.env.SITE_URL ?? `http://127.0.0.1:${config.webPort}`,
    // The e2e suite serves the built app on its own port; checkout may send buyers back there too.
    ADDITIONAL_SITE_URLS: `http://127.0.0.1:${process.env.E2E_WEB_PORT ?? 4173},http://localhost:${config.webPort}`,
    SUPABASE_URL: api,
    SUPABASE_ANON_KEY: legacyApiKey('anon', config.jwtSecret),
    SUPABASE_SERVICE_ROLE_KEY: legacyApiKey('service_role', config.jwtSecret),
    DATABASE_URL: dbUrl(),
    TWILIO_API_BASE: `http://127.0.0.1:${v.twilioPort}`,
    TWILIO_VERIFY_API_BASE: `http://127.0.0.1:${v.twilioPort}`,
    TWILIO_ACCOUNT_SID: v.twilioAccountSid,
    TWILIO_AUTH_TOKEN: v.twilioAuthToken,
    TWILIO_VERIFY_SERVICE_SID: v.twilioVerifyServiceSid,
    TWILIO_FROM_NUMBER: v.twilioFromNumber,
    TWILIO_API_KEY_SID: DEMO_TWILIO_API_KEY_SID,
    TWILIO_API_KEY_SECRET: DEMO_TWILIO_API_KEY_SECRET,
    TWILIO_TWIML_APP_SID: DEMO_TWILIO_TWIML_APP_SID,
    RELAY_STREAM_URL: `ws://127.0.0.1:${config.relayPort}/twilio/stream`,
    RELAY_STREAM_TOKEN_SECRET: process.env.RELAY_STREAM_TOKEN_SECRET ?? DEMO_STREAM_TOKEN_SECRET,
    RELAY_PORT: String(config.relayPort),
    // Production listens on every interface; on a developer's machine only loopback.
    RELAY_HOST: '127.0.0.1',
    STRIPE_API_BASE: `http://127.0.0.1:${v.stripePort}`,
    STRIPE_SECRET_KEY: v.stripeSecretKey,
    STRIPE_WEBHOOK_SECRET: v.stripeWebhookSecret,
    DEEPGRAM_BASE_URL: `ws://127.0.0.1:${v.deepgramPort}`,
    DEEPGRAM_API_KEY: v.deepgramApiKey,
    ELEVENLABS_BASE_URL: `http://127.0.0.1:${v.elevenlabsPort}`,
    ELEVENLABS_API_KEY: v.elevenlabsApiKey,
    LLM_PROVIDER: 'cerebras',
    // The stand-in refuses retired model ids as Cerebras does; this is Cerebras' current fast model.
    LLM_MODEL: process.env.LLM_MODEL ?? 'gpt-oss-120b',
    LLM_BASE_URL: `http://127.0.0.1:${v.llmPort}/v1`,
    LLM_API_KEY: v.llmApiKey,
    // The relay's second LLM vendor, answering a turn the first fails: the same stand-in, playing OpenAI.
    LLM_FALLBACK_PROVIDER: 'openai',
    LLM_FALLBACK_BASE_URL: `http://127.0.0.1:${v.llmPort}/v1`,
    LLM_FALLBACK_API_KEY: v.llmApiKey
  };
}
