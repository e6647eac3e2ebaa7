// The web app's settings, checked through the settings schemas. The public ones may reach a browser, so none is a
// secret (a secret key is refused). Production defaults: demo mode is off unless PUBLIC_DEMO_MODE=true asks for it.
import {
  defaultedSetting, flag, int, port, readSettings, requiredSetting, optionalSetting, supabasePublishableKey, text, url, type Env
} from '../../../core/src/settings_schema.ts';
import { PUBLIC_BROWSER_CALLS } from '../../../core/src/shared_settings.ts';

export interface PublicConfig {
  supabaseUrl: string;
  /** The project's publishable key (sb_publishable_…), or a legacy anon key on projects that still use one. */
  supabaseKey: string;
  demoMode: boolean;
  /** The media relay's WebSocket origin for the softphone; null when not configured. */
  relayUrl: string | null;
  /** How browser calls reach the persona, or null when they are not offered. */
  browserCalls: BrowserCallTransport | null;
}

export const BROWSER_CALL_TRANSPORTS = ['twilio', 'softphone', 'off'] as const;
export type BrowserCallTransport = Exclude<(typeof BROWSER_CALL_TRANSPORTS)[number], 'off'>;

/** The settings the browser sees too (SvelteKit's $env/dynamic/public: PUBLIC_ names only). */
export const PUBLIC_SETTINGS = {
  PUBLIC_SUPABASE_URL: requiredSetting(
    { name: 'PUBLIC_SUPABASE_URL', production: 'required', secureScheme: 'https:', readBy: ['web'], meaning: 'the project URL the browser talks to (https://<ref>.supabase.co)' },
    url(['https:', 'http:'])
  ),
  PUBLIC_SUPABASE_PUBLISHABLE_KEY: requiredSetting(
    {
      name: 'PUBLIC_SUPABASE_PUBLISHABLE_KEY', aliases: ['PUBLIC_SUPABASE_ANON_KEY'], production: 'required', readBy: ['web'],
      meaning: 'the project\'s publishable key (sb_publishable_…; a legacy anon key under PUBLIC_SUPABASE_ANON_KEY still works; a secret key is refused)'
    },
    supabasePublishableKey()
  ),
  PUBLIC_DEMO_MODE: defaultedSetting(
    { name: 'PUBLIC_DEMO_MODE', production: 'optional', default: 'false', readBy: ['web'], meaning: 'true shows the demo badge and offers the free demo allowance' },
    flag()
  ),
  PUBLIC_RELAY_URL: optionalSetting(
    { name: 'PUBLIC_RELAY_URL', production: 'optional', secureScheme: 'wss:', readBy: ['web'], meaning: 'the relay\'s public wss:// origin, for the softphone (PUBLIC_BROWSER_CALLS=softphone)' },
    url(['wss:', 'ws:'])
  ),
  PUBLIC_BROWSER_CALLS
};

/** The Node server's own settings, read by SvelteKit's adapter-node and checked here at start. */
export const WEB_SERVER_SETTINGS = {
  ORIGIN: optionalSetting(
    {
      name: 'ORIGIN', production: 'required', requiredWhen: 'behind a proxy that ends TLS (the usual case)', secureScheme: 'https:', readBy: ['web'],
      meaning: 'the web app\'s public origin as adapter-node sees it (same as SITE_URL), so form posts pass its origin check'
    },
    url(['https:', 'http:'])
  ),
  HOST: defaultedSetting({ name: 'HOST', production: 'optional', default: '0.0.0.0', readBy: ['web'], meaning: 'the address the web server listens on' }, text()),
  PORT: defaultedSetting({ name: 'PORT', production: 'optional', default: '3000', readBy: ['web'], meaning: 'the web server\'s port' }, port()),
  // adapter-node reads these two itself (event.getClientAddress()); they are checked and documented here.
  ADDRESS_HEADER: optionalSetting(
    {
      name: 'ADDRESS_HEADER', production: 'optional', requiredWhen: 'behind a reverse proxy', defaultText: 'none: the connection\'s address', readBy: ['web'],
      meaning: 'the header adapter-node takes the client address from (x-forwarded-for behind a proxy); sign-in limits count per that address'
    },
    text({ pattern: /^[A-Za-z0-9-]+$/, hint: 'one header name, e.g. x-forwarded-for' })
  ),
  XFF_DEPTH: defaultedSetting(
    {
      name: 'XFF_DEPTH', production: 'optional', default: '1', readBy: ['web'],
      meaning: 'with ADDRESS_HEADER=x-forwarded-for, how many trusted proxies append to it (the address is that many entries from the right)'
    },
    int(1, 10)
  ),
  SIGNIN_FAILURES_PER_ADDRESS: defaultedSetting(
    {
      name: 'SIGNIN_FAILURES_PER_ADDRESS', production: 'optional', default: '20', readBy: ['web'],
      meaning: 'wrong e-mail/password sign-ins one client address may make in 15 minutes, across all e-mails, before its sign-ins are refused'
    },
    int(1, 100_000)
  )
};

/** Reads and checks the public settings; throws one line naming each problem. */
export function parsePublicConfig(e: Env): PublicConfig {
  const { values: s, problems } = readSettings(PUBLIC_SETTINGS, e);
  const relayUrl = s.PUBLIC_RELAY_URL ?? null;
  if (s.PUBLIC_BROWSER_CALLS === 'softphone' && !relayUrl && !problems.some((p) => p.startsWith('PUBLIC_RELAY_URL'))) {
    problems.push('PUBLIC_BROWSER_CALLS=softphone needs PUBLIC_RELAY_URL (the relay\'s wss:// origin).');
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const transport = s.PUBLIC_BROWSER_CALLS;
  return {
    supabaseUrl: s.PUBLIC_SUPABASE_URL,
    supabaseKey: s.PUBLIC_SUPABASE_PUBLISHABLE_KEY,
    demoMode: s.PUBLIC_DEMO_MODE,
    relayUrl,
    browserCalls: transport === 'off' ? null : transport
  };
}

/** Failed sign-ins allowed per client address in the limiter's window (SIGNIN_FAILURES_PER_ADDRESS). */
export function signInFailuresPerAddress(e: Env): number {
  return readSettings(WEB_SERVER_SETTINGS, e).values.SIGNIN_FAILURES_PER_ADDRESS;
}

/** The server's settings: the problems, one sentence each (none when they are fine). */
export function webServerProblems(e: Env): string[] {
  return readSettings(WEB_SERVER_SETTINGS, e).problems;
}
