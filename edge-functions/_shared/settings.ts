// Every setting the edge functions read, as schemas. Each function reads the ones it needs once at boot
// (env.ts binds them to Deno.env) and refuses to start naming every bad one on its own line. Runtime-neutral, so the
// README table and preflight read the same descriptions from Node.
import { DEFAULT_ALLOWED_COUNTRIES } from '../../core/src/phone.ts';
import {
  countryCode, decimal, defaultedSetting, e164, flag, int, list, namedKeys, oneOf, optionalSetting, parseSettings, pick, requiredSetting,
  settingInfo, stripeSecretKey, stripeWebhookSecret, supabaseSecretKey, text, token, twilioSid, url,
  type GetSetting, type SettingsOf
} from '../../core/src/settings_schema.ts';
import {
  ELEVENLABS_API_KEY, ELEVENLABS_BASE_URL, ELEVENLABS_MODEL_ID, PUBLIC_BROWSER_CALLS, RELAY_STREAM_TOKEN_SECRET, RELAY_STREAM_URL,
  SUPABASE_ANON_KEY, SUPABASE_PUBLISHABLE_KEY, SUPABASE_URL, TWILIO_AUTH_TOKEN, TWILIO_AUTH_TOKEN_PREVIOUS
} from '../../core/src/shared_settings.ts';

const BROWSER_CALLS_VIA_TWILIO = 'PUBLIC_BROWSER_CALLS is twilio (the default)';

export const FUNCTION_SETTINGS = {
  // Set by the platform on every function.
  SUPABASE_URL: requiredSetting(settingInfo(SUPABASE_URL), url(['https:', 'http:'])),
  SUPABASE_DB_URL: requiredSetting(
    { name: 'SUPABASE_DB_URL', production: 'platform', secret: true, readBy: ['functions'], meaning: 'the project\'s Postgres, as the platform hands it to functions' },
    url(['postgres:', 'postgresql:'])
  ),
  SUPABASE_PUBLISHABLE_KEYS: optionalSetting(
    { name: 'SUPABASE_PUBLISHABLE_KEYS', production: 'platform', readBy: ['functions'], meaning: 'the project\'s publishable keys by name, {"default":"sb_publishable_…"}' },
    namedKeys()
  ),
  SUPABASE_SECRET_KEYS: optionalSetting(
    { name: 'SUPABASE_SECRET_KEYS', production: 'platform', secret: true, readBy: ['functions'], meaning: 'the project\'s secret keys by name: the callers pg_cron\'s jobs may present' },
    namedKeys()
  ),
  SUPABASE_PUBLISHABLE_KEY,
  SUPABASE_SECRET_KEY: optionalSetting(
    {
      name: 'SUPABASE_SECRET_KEY', production: 'optional', secret: true, readBy: ['functions', 'devstack'],
      meaning: 'a secret key (sb_secret_…): functions fall back to it without SUPABASE_SECRET_KEYS; project:setup stores it for pg_cron and preflight checks it'
    },
    supabaseSecretKey()
  ),
  // Legacy keys are the platform's to set and shape; only their presence matters here.
  SUPABASE_ANON_KEY: optionalSetting(settingInfo(SUPABASE_ANON_KEY), token()),
  SUPABASE_SERVICE_ROLE_KEY: optionalSetting(
    { name: 'SUPABASE_SERVICE_ROLE_KEY', production: 'platform', secret: true, readBy: ['functions'], meaning: 'the legacy service_role JWT, only while the project still has legacy keys' },
    token()
  ),
  SUPABASE_JWKS: optionalSetting(
    { name: 'SUPABASE_JWKS', production: 'platform', readBy: ['functions'], meaning: 'the project\'s public signing keys ({"keys":[…]}): service_role tokens are checked against them' },
    text()
  ),

  PUBLIC_API_URL: requiredSetting(
    {
      name: 'PUBLIC_API_URL', production: 'required', secureScheme: 'https:', readBy: ['functions'],
      meaning: 'the origin Twilio calls back (the project URL): TwiML, status and AMD callbacks, whose signatures are checked against it'
    },
    url(['https:', 'http:'])
  ),
  SITE_URL: requiredSetting(
    {
      name: 'SITE_URL', production: 'required', secureScheme: 'https:', readBy: ['functions'],
      meaning: 'the web app\'s public origin: Checkout returns there, and Auth\'s mail links (config.toml env(SITE_URL))'
    },
    url(['https:', 'http:'])
  ),
  ADDITIONAL_SITE_URLS: defaultedSetting(
    { name: 'ADDITIONAL_SITE_URLS', production: 'optional', default: '', defaultText: 'none', readBy: ['functions'], meaning: 'other origins of the web app Checkout may return to, comma-separated' },
    list(url(['https:', 'http:']))
  ),

  TWILIO_ACCOUNT_SID: requiredSetting(
    { name: 'TWILIO_ACCOUNT_SID', production: 'required', readBy: ['functions'], meaning: 'the Twilio account (AC…) that places calls and sends codes' },
    twilioSid('AC', 'account')
  ),
  TWILIO_AUTH_TOKEN,
  TWILIO_AUTH_TOKEN_PREVIOUS,
  TWILIO_VERIFY_SERVICE_SID: requiredSetting(
    { name: 'TWILIO_VERIFY_SERVICE_SID', production: 'required', readBy: ['functions'], meaning: 'the Verify service (VA…) that texts phone verification codes' },
    twilioSid('VA', 'Verify service')
  ),
  TWILIO_FROM_NUMBER: requiredSetting(
    {
      name: 'TWILIO_FROM_NUMBER', aliases: ['TWILIO_PHONE_NUMBER'], production: 'required', readBy: ['functions'],
      meaning: 'the Twilio number calls come from, in E.164 (+14155550123); it must belong to the account'
    },
    e164()
  ),
  TWILIO_API_BASE: optionalSetting(
    { name: 'TWILIO_API_BASE', production: 'optional', defaultText: 'https://api.twilio.com', secureScheme: 'https:', readBy: ['functions'], meaning: 'Twilio\'s REST origin' },
    url(['https:', 'http:'])
  ),
  TWILIO_VERIFY_API_BASE: optionalSetting(
    {
      name: 'TWILIO_VERIFY_API_BASE', production: 'optional', defaultText: 'TWILIO_API_BASE when set, else https://verify.twilio.com', secureScheme: 'https:',
      readBy: ['functions'], meaning: 'Twilio Verify\'s origin'
    },
    url(['https:', 'http:'])
  ),
  TWILIO_API_KEY_SID: optionalSetting(
    { name: 'TWILIO_API_KEY_SID', production: 'required', requiredWhen: BROWSER_CALLS_VIA_TWILIO, readBy: ['functions'], meaning: 'the API key (SK…) that signs Voice SDK access tokens' },
    twilioSid('SK', 'API key')
  ),
  TWILIO_API_KEY_SECRET: optionalSetting(
    { name: 'TWILIO_API_KEY_SECRET', production: 'required', requiredWhen: BROWSER_CALLS_VIA_TWILIO, secret: true, readBy: ['functions'], meaning: 'that API key\'s secret' },
    token()
  ),
  TWILIO_TWIML_APP_SID: optionalSetting(
    {
      name: 'TWILIO_TWIML_APP_SID', production: 'required', requiredWhen: BROWSER_CALLS_VIA_TWILIO, readBy: ['functions'],
      meaning: 'the TwiML App (AP…) of browser calls: Voice URL <PUBLIC_API_URL>/functions/v1/twilio-browser-twiml, Status Callback …/twilio-status'
    },
    twilioSid('AP', 'TwiML App')
  ),
  RELAY_STREAM_URL,
  RELAY_STREAM_TOKEN_SECRET,

  STRIPE_SECRET_KEY: requiredSetting(
    { name: 'STRIPE_SECRET_KEY', production: 'required', secret: true, readBy: ['functions'], meaning: 'Stripe secret or restricted key (sk_live_…; sk_test_… in a sandbox)' },
    stripeSecretKey()
  ),
  STRIPE_WEBHOOK_SECRET: requiredSetting(
    {
      name: 'STRIPE_WEBHOOK_SECRET', production: 'required', secret: true, readBy: ['functions'],
      meaning: 'signing secret (whsec_…) of the webhook endpoint <PUBLIC_API_URL>/functions/v1/stripe-webhook'
    },
    stripeWebhookSecret()
  ),
  STRIPE_API_BASE: optionalSetting(
    { name: 'STRIPE_API_BASE', production: 'optional', defaultText: 'https://api.stripe.com', secureScheme: 'https:', readBy: ['functions'], meaning: 'Stripe\'s API origin' },
    url(['https:', 'http:'])
  ),
  STRIPE_LIVE_MODE: defaultedSetting(
    {
      name: 'STRIPE_LIVE_MODE', production: 'required', requiredWhen: 'STRIPE_SECRET_KEY is a live key', default: 'false', readBy: ['functions'],
      meaning: 'true: the webhook takes live-mode events only; false: test-mode events only'
    },
    flag()
  ),

  DEMO_MODE: defaultedSetting(
    { name: 'DEMO_MODE', production: 'optional', default: 'false', readBy: ['functions'], meaning: 'true accepts calls paid from the free demo allowance' },
    flag()
  ),
  PUBLIC_BROWSER_CALLS,
  DISPATCH_CALLS_PER_SECOND: defaultedSetting(
    {
      name: 'DISPATCH_CALLS_PER_SECOND', production: 'optional', default: '1', readBy: ['functions'],
      meaning: 'the one dial pace of call-now and scheduled calls (Twilio allows 1 per second per account unless raised)'
    },
    decimal(0.01, 1000)
  ),
  DISPATCH_BATCH_SIZE: defaultedSetting(
    { name: 'DISPATCH_BATCH_SIZE', production: 'optional', default: '100', readBy: ['functions'], meaning: 'scheduled calls claimed per query' },
    int(1, 1000)
  ),
  DISPATCH_MISSED_AFTER_SECONDS: defaultedSetting(
    { name: 'DISPATCH_MISSED_AFTER_SECONDS', production: 'optional', default: '600', readBy: ['functions'], meaning: 'a scheduled call this late is marked missed instead of ringing' },
    int(60, 3600)
  ),
  SCHEDULED_CALLS_PAYMENT_METHOD: defaultedSetting(
    { name: 'SCHEDULED_CALLS_PAYMENT_METHOD', production: 'optional', default: 'credits', readBy: ['functions'], meaning: 'how a scheduled call booked without a payment method (before the booking form asked for one) is paid: credits, subscription or demo' },
    oneOf(['credits', 'subscription', 'demo'] as const)
  ),
  RECONCILE_MARGIN_SECONDS: defaultedSetting(
    { name: 'RECONCILE_MARGIN_SECONDS', production: 'optional', default: '180', readBy: ['functions'], meaning: 'how long past its limit a call may go without a final callback before Twilio is asked' },
    int(0, 86_400)
  ),
  SETTLEMENT_GRACE_SECONDS: defaultedSetting(
    { name: 'SETTLEMENT_GRACE_SECONDS', production: 'optional', default: '120', readBy: ['functions'], meaning: 'how long an ended call waits for its last cost events before it is settled' },
    int(0, 86_400)
  ),
  PHONE_ALLOWED_COUNTRIES: optionalSetting(
    {
      name: 'PHONE_ALLOWED_COUNTRIES', production: 'optional', defaultText: DEFAULT_ALLOWED_COUNTRIES.join(','), readBy: ['functions'],
      meaning: 'countries whose numbers may be verified and called, comma-separated ISO codes'
    },
    list(countryCode())
  ),
  TRUSTED_PROXY_HEADER: defaultedSetting(
    {
      name: 'TRUSTED_PROXY_HEADER', production: 'optional', default: 'x-forwarded-for', readBy: ['functions'],
      meaning: 'the header the proxies in front of the functions append the client address to; per-address limits read only its trusted end (see "Client addresses")'
    },
    text({ pattern: /^[A-Za-z0-9-]+$/, hint: 'one header name, e.g. x-forwarded-for or cf-connecting-ip' })
  ),
  TRUSTED_PROXY_HOPS: defaultedSetting(
    {
      name: 'TRUSTED_PROXY_HOPS', production: 'optional', default: '1', readBy: ['functions'],
      meaning: 'how many trusted proxies append to TRUSTED_PROXY_HEADER: the client address is that many entries from the right'
    },
    int(1, 10)
  ),
  CALLS_PER_ADDRESS_PER_HOUR: defaultedSetting(
    { name: 'CALLS_PER_ADDRESS_PER_HOUR', production: 'optional', default: '30', readBy: ['functions'], meaning: '"call me now" calls one address may place per hour, across every account' },
    int(1, 1_000_000)
  ),
  CODES_PER_ADDRESS_PER_HOUR: defaultedSetting(
    { name: 'CODES_PER_ADDRESS_PER_HOUR', production: 'optional', default: '10', readBy: ['functions'], meaning: 'phone verification codes one address may request per hour, across every account' },
    int(1, 1_000_000)
  ),
  VOICE_SAMPLES_PER_HOUR: defaultedSetting(
    { name: 'VOICE_SAMPLES_PER_HOUR', production: 'optional', default: '20', readBy: ['functions'], meaning: 'persona voice samples a user may play per hour' },
    int(0, 10_000)
  ),
  ELEVENLABS_API_KEY,
  ELEVENLABS_BASE_URL,
  ELEVENLABS_MODEL_ID
};

export type FunctionSettingName = keyof typeof FUNCTION_SETTINGS;
type Picked<K extends FunctionSettingName> = SettingsOf<Pick<typeof FUNCTION_SETTINGS, K>>;

/** The named settings, typed, or an error naming every bad one on its own line. */
export function functionSettingsFrom<const K extends FunctionSettingName>(names: readonly K[], get: GetSetting): Picked<K> {
  return parseSettings('edge function', pick(FUNCTION_SETTINGS, names), get);
}

export const TWILIO_REST_SETTINGS = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_VERIFY_SERVICE_SID', 'TWILIO_API_BASE', 'TWILIO_VERIFY_API_BASE'] as const;

/** Twilio's REST client settings: the real origins unless a base URL points elsewhere (devstack's stand-in). */
export function twilioRest(s: Picked<(typeof TWILIO_REST_SETTINGS)[number]>): { accountSid: string; authToken: string; verifyServiceSid: string; apiBase: string; verifyBase: string } {
  return {
    accountSid: s.TWILIO_ACCOUNT_SID,
    authToken: s.TWILIO_AUTH_TOKEN,
    verifyServiceSid: s.TWILIO_VERIFY_SERVICE_SID,
    apiBase: s.TWILIO_API_BASE ?? 'https://api.twilio.com',
    // Verify lives on its own host, unless one stand-in answers both.
    verifyBase: s.TWILIO_VERIFY_API_BASE ?? s.TWILIO_API_BASE ?? 'https://verify.twilio.com'
  };
}

/** The tokens a Twilio signature may be made with: the current one, and the previous one during a rotation. */
export function twilioAuthTokens(s: Picked<'TWILIO_AUTH_TOKEN' | 'TWILIO_AUTH_TOKEN_PREVIOUS'>): string[] {
  return [s.TWILIO_AUTH_TOKEN, s.TWILIO_AUTH_TOKEN_PREVIOUS].filter((t): t is string => Boolean(t));
}
