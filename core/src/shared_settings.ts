// Settings that more than one process reads, described once so every reader parses them alike and the README
// table has one row for each.
import {
  defaultedSetting, oneOf, optionalSetting, port, requiredSetting, supabasePublishableKey, text, token, url
} from './settings_schema.ts';

export const SUPABASE_URL = optionalSetting(
  {
    name: 'SUPABASE_URL', production: 'platform', secureScheme: 'https:', readBy: ['functions', 'relay'],
    meaning: 'the project URL (https://<ref>.supabase.co); Supabase sets it for functions, the relay\'s browser stream asks its Auth about tokens'
  },
  url(['https:', 'http:'])
);

export const SUPABASE_PUBLISHABLE_KEY = optionalSetting(
  {
    name: 'SUPABASE_PUBLISHABLE_KEY', production: 'optional', readBy: ['functions', 'relay'],
    meaning: 'the project\'s publishable key (sb_publishable_…): the relay\'s browser stream sends it to Auth; functions fall back to it without SUPABASE_PUBLISHABLE_KEYS'
  },
  supabasePublishableKey()
);

export const SUPABASE_ANON_KEY = optionalSetting(
  {
    name: 'SUPABASE_ANON_KEY', production: 'platform', readBy: ['functions', 'relay'],
    meaning: 'the legacy anon JWT, only while the project still has legacy keys; used where no publishable key is set'
  },
  supabasePublishableKey()
);

export const TWILIO_AUTH_TOKEN = requiredSetting(
  {
    name: 'TWILIO_AUTH_TOKEN', production: 'required', secret: true, readBy: ['functions', 'relay'],
    meaning: 'the Twilio account\'s auth token: REST calls, and the signature on every webhook and on the relay\'s stream'
  },
  token()
);

export const TWILIO_AUTH_TOKEN_PREVIOUS = optionalSetting(
  {
    name: 'TWILIO_AUTH_TOKEN_PREVIOUS', production: 'optional', secret: true, readBy: ['functions', 'relay'],
    meaning: 'the auth token being rotated out: signatures made with it are still accepted'
  },
  token()
);

export const RELAY_STREAM_URL = requiredSetting(
  {
    name: 'RELAY_STREAM_URL', production: 'required', secureScheme: 'wss:', readBy: ['functions', 'relay'],
    meaning: 'the relay\'s public stream address (wss://…/twilio/stream) that TwiML gives Twilio; the relay checks Twilio\'s signature over it'
  },
  url(['wss:', 'ws:'], { query: false })
);

export const RELAY_STREAM_TOKEN_SECRET = requiredSetting(
  {
    name: 'RELAY_STREAM_TOKEN_SECRET', production: 'required', secret: true, readBy: ['functions', 'relay'],
    meaning: 'at least 32 characters shared by the TwiML functions and the relay: signs the one-time token of each stream'
  },
  text({ minLength: 32 })
);

export const ELEVENLABS_API_KEY = requiredSetting(
  { name: 'ELEVENLABS_API_KEY', production: 'required', secret: true, readBy: ['functions', 'relay'], meaning: 'ElevenLabs API key: the persona\'s voice in calls and voice samples' },
  token()
);

export const ELEVENLABS_BASE_URL = defaultedSetting(
  {
    name: 'ELEVENLABS_BASE_URL', production: 'optional', default: 'https://api.elevenlabs.io', secureScheme: 'https:', readBy: ['functions', 'relay'],
    meaning: 'ElevenLabs\' API origin'
  },
  url(['https:', 'http:'])
);

export const ELEVENLABS_MODEL_ID = defaultedSetting(
  { name: 'ELEVENLABS_MODEL_ID', production: 'optional', default: 'eleven_flash_v2_5', readBy: ['functions', 'relay'], meaning: 'the ElevenLabs model calls and voice samples speak with' },
  text()
);

export const PUBLIC_BROWSER_CALLS = defaultedSetting(
  {
    name: 'PUBLIC_BROWSER_CALLS', production: 'optional', default: 'twilio', readBy: ['web', 'functions'],
    meaning: 'how browser calls are carried: twilio (Voice SDK), softphone (straight to the relay, needs PUBLIC_RELAY_URL) or off'
  },
  oneOf(['twilio', 'softphone', 'off'] as const)
);

export const RELAY_PORT = defaultedSetting(
  { name: 'RELAY_PORT', production: 'optional', default: '8787', readBy: ['relay', 'devstack'], meaning: 'the relay\'s HTTP and WebSocket port (0: any free port)' },
  port({ zero: true })
);
