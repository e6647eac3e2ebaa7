// The web app's public configuration: only values that may reach a browser (never the service-role key).
import { env } from '$env/dynamic/public';

export interface PublicConfig {
  supabaseUrl: string;
  supabaseAnonKey: string;
  demoMode: boolean;
  /** The media relay's WebSocket origin, for the demo-mode browser softphone; null when not offered. */
  relayUrl: string | null;
  /** How browser calls reach the persona: Twilio's Voice SDK, or the demo softphone straight to the relay. */
  browserCalls: BrowserCallTransport;
}

export const BROWSER_CALL_TRANSPORTS = ['twilio', 'softphone'] as const;
export type BrowserCallTransport = (typeof BROWSER_CALL_TRANSPORTS)[number];

/** PUBLIC_BROWSER_CALLS, or the default: the softphone in demo mode (the stand-ins have no Voice SDK), else Twilio. */
export function browserCallTransport(value: string | undefined, demoMode: boolean): BrowserCallTransport {
  if (!value) return demoMode ? 'softphone' : 'twilio';
  if (!(BROWSER_CALL_TRANSPORTS as readonly string[]).includes(value)) {
    throw new Error(`PUBLIC_BROWSER_CALLS must be ${BROWSER_CALL_TRANSPORTS.join(' or ')}, not "${value}".`);
  }
  return value as BrowserCallTransport;
}

export function publicConfig(): PublicConfig {
  const supabaseUrl = env.PUBLIC_SUPABASE_URL;
  const supabaseAnonKey = env.PUBLIC_SUPABASE_ANON_KEY;
  const missing = [!supabaseUrl && 'PUBLIC_SUPABASE_URL', !supabaseAnonKey && 'PUBLIC_SUPABASE_ANON_KEY'].filter(Boolean);
  if (missing.length > 0) throw new Error(`Missing configuration: ${missing.join(', ')}. Start the app with npm start.`);
  const demoMode = env.PUBLIC_DEMO_MODE !== 'false';
  return {
    supabaseUrl: supabaseUrl!,
    supabaseAnonKey: supabaseAnonKey!,
    demoMode,
    relayUrl: env.PUBLIC_RELAY_URL || null,
    browserCalls: browserCallTransport(env.PUBLIC_BROWSER_CALLS, demoMode)
  };
}
