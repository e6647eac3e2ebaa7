// The web app's public configuration: only values that may reach a browser (never the service-role key).
import { env } from '$env/dynamic/public';

export interface PublicConfig {
  supabaseUrl: string;
  supabaseAnonKey: string;
  demoMode: boolean;
  /** The media relay's WebSocket origin, for the demo-mode browser softphone; null when not offered. */
  relayUrl: string | null;
}

export function publicConfig(): PublicConfig {
  const supabaseUrl = env.PUBLIC_SUPABASE_URL;
  const supabaseAnonKey = env.PUBLIC_SUPABASE_ANON_KEY;
  const missing = [!supabaseUrl && 'PUBLIC_SUPABASE_URL', !supabaseAnonKey && 'PUBLIC_SUPABASE_ANON_KEY'].filter(Boolean);
  if (missing.length > 0) throw new Error(`Missing configuration: ${missing.join(', ')}. Start the app with npm start.`);
  return {
    supabaseUrl: supabaseUrl!,
    supabaseAnonKey: supabaseAnonKey!,
    demoMode: env.PUBLIC_DEMO_MODE !== 'false',
    relayUrl: env.PUBLIC_RELAY_URL || null
  };
}
