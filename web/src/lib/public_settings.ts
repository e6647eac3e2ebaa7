// The web app's public configuration, checked: only values that may reach a browser (never a secret key). Production
// defaults: demo mode is off unless PUBLIC_DEMO_MODE=true asks for it.

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

type Env = Record<string, string | undefined>;

/**
 * PUBLIC_BROWSER_CALLS chooses the transport: Twilio's Voice SDK (the default), the softphone straight to the relay
 * (needs PUBLIC_RELAY_URL), or off.
 */
export function browserCallTransport(value: string | undefined, relayUrl: string | null): BrowserCallTransport | null {
  const chosen = value || 'twilio';
  if (!(BROWSER_CALL_TRANSPORTS as readonly string[]).includes(chosen)) {
    throw new Error(`PUBLIC_BROWSER_CALLS must be ${BROWSER_CALL_TRANSPORTS.join(', ')}, not "${value}".`);
  }
  if (chosen === 'off') return null;
  if (chosen === 'softphone' && !relayUrl) {
    throw new Error('PUBLIC_BROWSER_CALLS=softphone needs PUBLIC_RELAY_URL (the relay\'s wss:// origin).');
  }
  return chosen as BrowserCallTransport;
}

function flag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new Error(`${name} must be true or false, not "${value}".`);
}

function url(name: string, value: string | undefined, schemes: readonly string[]): string | null {
  if (!value) return null;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(`${name} must be a URL, not "${value}".`);
  }
  if (!schemes.includes(parsed.protocol)) throw new Error(`${name} must start with ${schemes.map((s) => `${s}//`).join(' or ')}, not "${value}".`);
  return value.replace(/\/+$/, '');
}

/** Reads and checks the settings; throws one line naming each problem. */
export function parsePublicConfig(e: Env): PublicConfig {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (err) {
      problems.push((err as Error).message);
      return fallback;
    }
  };
  const supabaseUrl = attempt(() => url('PUBLIC_SUPABASE_URL', e.PUBLIC_SUPABASE_URL, ['https:', 'http:']), null);
  const supabaseKey = e.PUBLIC_SUPABASE_PUBLISHABLE_KEY || e.PUBLIC_SUPABASE_ANON_KEY || '';
  if (!supabaseUrl) problems.push('PUBLIC_SUPABASE_URL is missing: set it to the project URL (https://<ref>.supabase.co).');
  if (!supabaseKey) problems.push('PUBLIC_SUPABASE_PUBLISHABLE_KEY is missing: set it to the project\'s publishable key (sb_publishable_…).');
  if (/^sb_secret_/.test(supabaseKey)) problems.push('PUBLIC_SUPABASE_PUBLISHABLE_KEY holds a secret key: use the publishable key; a secret key must never reach a browser.');
  const demoMode = attempt(() => flag('PUBLIC_DEMO_MODE', e.PUBLIC_DEMO_MODE), false);
  const relayUrl = attempt(() => url('PUBLIC_RELAY_URL', e.PUBLIC_RELAY_URL, ['wss:', 'ws:']), null);
  const browserCalls = attempt(() => browserCallTransport(e.PUBLIC_BROWSER_CALLS, relayUrl), null);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return { supabaseUrl: supabaseUrl!, supabaseKey, demoMode, relayUrl, browserCalls };
}

