// Preflight without the network: the configuration parsed by the processes' own schemas (every required setting
// present and well formed), then what no single process can see: public addresses (https://, wss://, no loopback
// outside --local), key modes that must agree, secrets where a browser would get them, and callback addresses that
// point at this project.
import {
  legacyKeyRole, readSettings, requiredSetting, settingInfo, settingValue, stripeKeyMode, supabaseSecretKey, url,
  type AnySetting, type Env, type SettingInfo
} from '../../../core/src/settings_schema.ts';
import { SUPABASE_URL } from '../../../core/src/shared_settings.ts';
import { FUNCTION_SETTINGS } from '../../../edge-functions/_shared/settings.ts';
import { ConfigError, llmEndpoints, loadConfig, RELAY_SETTINGS } from '../../../media-relay/src/config.ts';
import { parsePublicConfig, webServerProblems } from '../../../web/src/lib/public_settings.ts';
import { allSettings } from '../settings_table.ts';
import { distinct, fromSentence, type Finding, type PreflightOptions } from './findings.ts';

/** The relay's Twilio stream path (media-relay/src/server.ts). */
export const RELAY_STREAM_PATH = '/twilio/stream';

/** What preflight itself needs: the project, and its secret key to check REST and the personas' voices. */
export const PREFLIGHT_SETTINGS = {
  SUPABASE_URL: requiredSetting(settingInfo(SUPABASE_URL), url(['https:', 'http:'])),
  SUPABASE_SECRET_KEY: requiredSetting(settingInfo(FUNCTION_SETTINGS.SUPABASE_SECRET_KEY), supabaseSecretKey())
};

// Functions get these from the platform; an operator's file does not hold them.
const OPERATOR_FUNCTION_SETTINGS: Record<string, AnySetting> = Object.fromEntries(
  Object.entries(FUNCTION_SETTINGS).filter(([, s]) => settingInfo(s).production !== 'platform')
);

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\./.test(h) || h === '::1' || h === '0.0.0.0';
}

function parseUrl(s: string | undefined): URL | null {
  if (!s) return null;
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

const origin = (u: URL) => `${u.protocol}//${u.host}`;

/** Every problem of the configuration, one finding each. */
export function offlineChecks(env: Env, opts: PreflightOptions): Finding[] {
  const findings: Finding[] = [];
  const add = (setting: string, message: string) => findings.push({ setting, message });
  const get = (n: string) => env[n];

  // 1. The processes' own schemas, as each would read the file at start.
  for (const p of readSettings(PREFLIGHT_SETTINGS, env).problems) findings.push(fromSentence(p));
  const fn = readSettings(OPERATOR_FUNCTION_SETTINGS, env);
  for (const p of fn.problems) findings.push(fromSentence(p));
  try {
    loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) findings.push(fromSentence(p));
  }
  try {
    parsePublicConfig(env);
  } catch (err) {
    for (const p of (err as Error).message.split('\n')) findings.push(fromSentence(p));
  }
  for (const p of webServerProblems(env)) findings.push(fromSentence(p));

  const browserCalls = fn.values.PUBLIC_BROWSER_CALLS as string | undefined;
  if (browserCalls === 'twilio') {
    for (const name of ['TWILIO_API_KEY_SID', 'TWILIO_API_KEY_SECRET', 'TWILIO_TWIML_APP_SID']) {
      if (!settingValue(get, { name })) {
        add(name, `${name} is required while PUBLIC_BROWSER_CALLS is twilio (the default): create it in Twilio's console (browser calls go through the Voice SDK), or set PUBLIC_BROWSER_CALLS=off.`);
      }
    }
  }
  if (browserCalls === 'softphone' && !settingValue(get, { name: 'SUPABASE_PUBLISHABLE_KEY' }) && !settingValue(get, { name: 'SUPABASE_ANON_KEY' })) {
    add('SUPABASE_PUBLISHABLE_KEY', 'SUPABASE_PUBLISHABLE_KEY is required while PUBLIC_BROWSER_CALLS is softphone: the relay asks Auth about each browser stream with it.');
  }

  // 2. Addresses others must reach.
  const productInfos = allSettings().filter((i) => i.production !== 'local' && i.production !== 'platform');
  for (const info of [...productInfos, settingInfo(SUPABASE_URL)]) {
    if (!info.secureScheme && info.name !== 'DATABASE_URL') continue;
    const u = parseUrl(settingValue(get, info));
    if (!u) continue; // absent, or already refused by its schema
    if (isLoopback(u.hostname)) {
      if (!opts.local) add(info.name, `${info.name} points at ${u.host}, a loopback address nothing else can reach: use its public address (--local accepts loopback for a local stack).`);
    } else if (info.secureScheme && u.protocol !== info.secureScheme) {
      add(info.name, `${info.name} must be a ${info.secureScheme}// address in production, got ${u.protocol}//: without TLS, keys and calls travel in clear text.`);
    }
  }

  // 3. Keys: modes that must agree, secrets where a browser gets them, vendors' keys swapped.
  const stripeKey = settingValue(get, { name: 'STRIPE_SECRET_KEY' });
  const liveMode = fn.values.STRIPE_LIVE_MODE as boolean | undefined;
  const mode = stripeKey ? stripeKeyMode(stripeKey) : null;
  if (mode === 'live' && liveMode === false) {
    add('STRIPE_LIVE_MODE', 'STRIPE_SECRET_KEY is a live key but STRIPE_LIVE_MODE is not true: set STRIPE_LIVE_MODE=true, or the webhook refuses every live event.');
  }
  if (mode === 'test' && liveMode === true) {
    add('STRIPE_LIVE_MODE', 'STRIPE_LIVE_MODE is true but STRIPE_SECRET_KEY is a test key: use the live key (sk_live_…) and the live endpoint\'s signing secret, or set STRIPE_LIVE_MODE=false.');
  }
  findings.push(...secretsInPublicSettings(env));
  const relay = readSettings(RELAY_SETTINGS, env).values;
  const llm = llmEndpoints(relay);
  for (const [endpoint, keySetting] of [[llm.primary, llm.keySettings.primary], [llm.fallback, llm.keySettings.fallback]] as const) {
    if (!endpoint?.apiKey || !keySetting) continue;
    if (endpoint.provider === 'cerebras' && /^sk-/.test(endpoint.apiKey)) add(keySetting, `${keySetting} looks like an OpenAI key (sk-…) but goes to Cerebras: Cerebras keys start with csk-.`);
    if (endpoint.provider === 'openai' && /^csk-/.test(endpoint.apiKey)) add(keySetting, `${keySetting} looks like a Cerebras key (csk-…) but goes to OpenAI: OpenAI keys start with sk-.`);
  }
  for (const info of allSettings()) {
    const value = settingValue(get, info);
    if (info.secret && !info.name.startsWith('STRIPE_') && value && /^(sk|rk)_(live|test)_|^whsec_/.test(value)) {
      add(info.name, `${info.name} holds a Stripe key: put it in STRIPE_SECRET_KEY or STRIPE_WEBHOOK_SECRET and set ${info.name} to its own vendor's key.`);
    }
  }
  const webKey = settingValue(get, { name: 'PUBLIC_SUPABASE_PUBLISHABLE_KEY', aliases: ['PUBLIC_SUPABASE_ANON_KEY'] });
  const relayKey = settingValue(get, { name: 'SUPABASE_PUBLISHABLE_KEY' });
  if (webKey && relayKey && webKey !== relayKey && !webKey.startsWith('eyJ') && !relayKey.startsWith('eyJ')) {
    add('SUPABASE_PUBLISHABLE_KEY', 'SUPABASE_PUBLISHABLE_KEY and PUBLIC_SUPABASE_PUBLISHABLE_KEY differ: give the relay and the web app the same project\'s publishable key.');
  }

  // 4. Addresses that must be this project's and this relay's.
  const project = parseUrl(settingValue(get, { name: 'SUPABASE_URL' }));
  const publicApi = parseUrl(settingValue(get, { name: 'PUBLIC_API_URL' }));
  const webProject = parseUrl(settingValue(get, { name: 'PUBLIC_SUPABASE_URL' }));
  // Hosts, not origins: a wrong scheme is reported above.
  if (project && publicApi && project.host !== publicApi.host) {
    add('PUBLIC_API_URL', `PUBLIC_API_URL is ${origin(publicApi)} but the project is ${origin(project)} (SUPABASE_URL): Twilio calls back to <PUBLIC_API_URL>/functions/v1/…, so set it to the project's URL.`);
  }
  if (project && webProject && project.host !== webProject.host) {
    add('PUBLIC_SUPABASE_URL', `PUBLIC_SUPABASE_URL is ${origin(webProject)} but the project is ${origin(project)} (SUPABASE_URL): point the web app at the same project.`);
  }
  const stream = parseUrl(settingValue(get, { name: 'RELAY_STREAM_URL' }));
  if (stream && stream.pathname !== RELAY_STREAM_PATH) {
    add('RELAY_STREAM_URL', `RELAY_STREAM_URL must end with the relay's stream path ${RELAY_STREAM_PATH}, got ${stream.pathname}.`);
  }
  const softphone = parseUrl(settingValue(get, { name: 'PUBLIC_RELAY_URL' }));
  if (stream && softphone && stream.host !== softphone.host) {
    add('PUBLIC_RELAY_URL', `PUBLIC_RELAY_URL is ${softphone.host} but Twilio reaches the relay at ${stream.host} (RELAY_STREAM_URL): give both the relay's public address.`);
  }
  const site = parseUrl(settingValue(get, { name: 'SITE_URL' }));
  const webOrigin = parseUrl(settingValue(get, { name: 'ORIGIN' }));
  if (site && webOrigin && site.host !== webOrigin.host) {
    add('ORIGIN', `ORIGIN is ${origin(webOrigin)} but SITE_URL is ${origin(site)}: both are the web app's public origin.`);
  }
  return distinct(findings);
}

/** PUBLIC_ settings reach every browser: none may hold a secret, by its shape or by being another setting's secret. */
export function secretsInPublicSettings(env: Env): Finding[] {
  const out: Finding[] = [];
  const secrets = allSettings()
    .filter((i: SettingInfo) => i.secret)
    .flatMap((i) => {
      const v = settingValue((n) => env[n], i);
      return v ? [{ name: i.name, value: v }] : [];
    });
  for (const [name, raw] of Object.entries(env)) {
    const value = raw?.trim();
    if (!name.startsWith('PUBLIC_') || !value) continue;
    const same = secrets.find((s) => s.value === value);
    const kind = /^sb_secret_/.test(value) || legacyKeyRole(value) === 'service_role' ? 'a Supabase secret key'
      : /^(sk|rk)_(live|test)_/.test(value) ? 'a Stripe secret key'
      : /^whsec_/.test(value) ? 'a Stripe webhook secret'
      : same ? `the value of ${same.name}` : null;
    if (kind) out.push({ setting: name, message: `${name} holds ${kind}: PUBLIC_ settings reach every browser; remove it there and rotate that secret.` });
  }
  return out;
}
