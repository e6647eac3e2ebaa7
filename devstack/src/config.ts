// devstack's configuration, read once per process from the environment through the settings schemas: a bad
// setting stops the command with one line per problem.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defaultedSetting, flag, oneOf, optionalSetting, parseSettings, port as portValue, supabasePublishableKey, supabaseSecretKey, text, type Env
} from '../../core/src/settings_schema.ts';
import { RELAY_PORT } from '../../core/src/shared_settings.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// Supabase CLI defaults, so keys minted here also work against `supabase start`.
export const CLI_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
export const CLI_PUBLISHABLE_KEY = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';
export const CLI_SECRET_KEY = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';

/**
 * `default` behaves like `supabase start`; `hosted` like a project created on the platform today (asymmetric JWT
 * signing keys, sb_ API keys, e-mail confirmation, extensions only through `create extension`).
 */
export type DevstackProfile = 'default' | 'hosted';
export const PROFILES: readonly DevstackProfile[] = ['default', 'hosted'];

export interface DevstackConfig {
  root: string;
  profile: DevstackProfile;
  /** Whether the legacy HS256 `anon` / `service_role` keys are accepted (on in `default`, off in `hosted`). */
  legacyKeys: boolean;
  stateDir: string;
  pgDataDir: string;
  pgRunDir: string;
  pgLogFile: string;
  pgBinDir: string | null;
  /** PG_BIN_DIR as set, for looking again after an install. */
  explicitPgBinDir: string | null;
  pgMajor: number | null;
  dbHost: string;
  dbPort: number;
  dbPassword: string;
  apiPort: number;
  relayPort: number;
  webPort: number;
  jwtSecret: string;
  publishableKey: string;
  secretKey: string;
  migrationsDir: string;
  seedFile: string;
  /** The demo login npm start creates. */
  demoEmail: string;
  demoPassword: string;
  vendors: VendorConfig;
}

/** Ports and demo credentials of the vendor stand-ins. Demo values only: they open nothing outside this machine. */
export interface VendorConfig {
  twilioPort: number;
  stripePort: number;
  deepgramPort: number;
  elevenlabsPort: number;
  llmPort: number;
  twilioAccountSid: string;
  twilioAuthToken: string;
  twilioVerifyServiceSid: string;
  twilioFromNumber: string;
  stripeSecretKey: string;
  stripeWebhookSecret: string;
  deepgramApiKey: string;
  elevenlabsApiKey: string;
  llmApiKey: string;
}

/** Newest installed PostgreSQL server under Debian's layout, or an explicit PG_BIN_DIR. */
export function findPostgres(explicit?: string): { binDir: string; major: number } | null {
  if (explicit) {
    if (!existsSync(join(explicit, 'postgres'))) return null;
    const m = /postgresql\/(\d+)\//.exec(explicit);
    return { binDir: explicit, major: m ? Number(m[1]) : 15 };
  }
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const majors = readdirSync(base)
    .map(Number)
    .filter((n) => Number.isInteger(n) && existsSync(join(base, String(n), 'bin', 'postgres')))
    .sort((a, b) => b - a);
  const major = majors[0];
  return major === undefined ? null : { binDir: join(base, String(major), 'bin'), major };
}

const port = (name: string, fallback: number, meaning: string) =>
  defaultedSetting({ name, production: 'local', default: String(fallback), readBy: ['devstack'], meaning }, portValue());

/** devstack's own settings (never used in production). */
export const DEVSTACK_SETTINGS = {
  DEVSTACK_DIR: defaultedSetting({ name: 'DEVSTACK_DIR', production: 'local', default: '.devstack', readBy: ['devstack'], meaning: 'devstack\'s state (data directory, logs, keys)' }, text()),
  DEVSTACK_PROFILE: optionalSetting(
    {
      name: 'DEVSTACK_PROFILE', production: 'local', defaultText: 'default, or the profile saved in DEVSTACK_DIR', readBy: ['devstack'],
      meaning: 'default (as supabase start) or hosted (as a hosted project); same as stack:start -- --hosted'
    },
    oneOf(PROFILES)
  ),
  DEVSTACK_LEGACY_KEYS: optionalSetting(
    {
      name: 'DEVSTACK_LEGACY_KEYS', production: 'local', defaultText: 'on in default, off in hosted', readBy: ['devstack'],
      meaning: 'accept the legacy HS256 anon / service_role keys and tokens'
    },
    flag()
  ),
  DEVSTACK_DB_PORT: port('DEVSTACK_DB_PORT', 54322, 'PostgreSQL port'),
  DEVSTACK_DB_PASSWORD: defaultedSetting({ name: 'DEVSTACK_DB_PASSWORD', production: 'local', default: 'postgres', readBy: ['devstack'], meaning: 'password of the postgres database user' }, text()),
  DEVSTACK_API_PORT: port('DEVSTACK_API_PORT', 54321, 'API gateway port'),
  RELAY_PORT,
  WEB_PORT: port('WEB_PORT', 5173, 'the web app\'s port under npm start (Vite\'s dev server)'),
  DEVSTACK_TWILIO_PORT: port('DEVSTACK_TWILIO_PORT', 54340, 'Twilio stand-in port'),
  DEVSTACK_STRIPE_PORT: port('DEVSTACK_STRIPE_PORT', 54341, 'Stripe stand-in port'),
  DEVSTACK_DEEPGRAM_PORT: port('DEVSTACK_DEEPGRAM_PORT', 54342, 'Deepgram stand-in port'),
  DEVSTACK_ELEVENLABS_PORT: port('DEVSTACK_ELEVENLABS_PORT', 54343, 'ElevenLabs stand-in port'),
  DEVSTACK_LLM_PORT: port('DEVSTACK_LLM_PORT', 54344, 'LLM (OpenAI/Cerebras) stand-in port'),
  DEVSTACK_JWT_SECRET: defaultedSetting(
    { name: 'DEVSTACK_JWT_SECRET', production: 'local', default: CLI_JWT_SECRET, defaultText: 'the Supabase CLI default', readBy: ['devstack'], meaning: 'JWT secret of the legacy keys (and of sessions in default)' },
    text({ minLength: 32 })
  ),
  DEVSTACK_PUBLISHABLE_KEY: defaultedSetting(
    { name: 'DEVSTACK_PUBLISHABLE_KEY', production: 'local', default: CLI_PUBLISHABLE_KEY, defaultText: 'the Supabase CLI\'s', readBy: ['devstack'], meaning: 'the default profile\'s publishable key' },
    supabasePublishableKey()
  ),
  DEVSTACK_SECRET_KEY: defaultedSetting(
    { name: 'DEVSTACK_SECRET_KEY', production: 'local', default: CLI_SECRET_KEY, defaultText: 'the Supabase CLI\'s', readBy: ['devstack'], meaning: 'the default profile\'s secret key' },
    supabaseSecretKey()
  ),
  DEVSTACK_MIGRATIONS_DIR: defaultedSetting(
    { name: 'DEVSTACK_MIGRATIONS_DIR', production: 'local', default: 'supabase/migrations', readBy: ['devstack'], meaning: 'the migrations applied at start' },
    text()
  ),
  DEVSTACK_SEED_FILE: defaultedSetting({ name: 'DEVSTACK_SEED_FILE', production: 'local', default: 'supabase/seed.sql', readBy: ['devstack'], meaning: 'the seed applied after them' }, text()),
  PG_BIN_DIR: optionalSetting(
    { name: 'PG_BIN_DIR', production: 'local', defaultText: 'newest /usr/lib/postgresql/*/bin', readBy: ['devstack'], meaning: 'PostgreSQL binaries' },
    text()
  ),
  DEMO_EMAIL: defaultedSetting({ name: 'DEMO_EMAIL', production: 'local', default: 'demo@callmeback.test', readBy: ['devstack'], meaning: 'the demo login npm start creates' }, text()),
  DEMO_PASSWORD: defaultedSetting({ name: 'DEMO_PASSWORD', production: 'local', default: 'call-me-back-demo', readBy: ['devstack'], meaning: 'its password' }, text({ minLength: 6 }))
};

/** The profile file inside a state directory: a stack keeps the profile it was created with. */
export function profileFile(stateDir: string): string {
  return join(stateDir, 'profile');
}

function savedProfile(stateDir: string): DevstackProfile {
  const file = profileFile(stateDir);
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if ((PROFILES as readonly string[]).includes(saved)) return saved as DevstackProfile;
  }
  return 'default';
}

export function loadDevstackConfig(env: Env = process.env): DevstackConfig {
  const s = parseSettings('devstack', DEVSTACK_SETTINGS, env);
  const stateDir = resolve(REPO_ROOT, s.DEVSTACK_DIR);
  const pg = findPostgres(s.PG_BIN_DIR);
  const profile = s.DEVSTACK_PROFILE ?? savedProfile(stateDir);
  return {
    root: REPO_ROOT,
    profile,
    legacyKeys: s.DEVSTACK_LEGACY_KEYS ?? profile === 'default',
    stateDir,
    pgDataDir: join(stateDir, 'pg', 'data'),
    pgRunDir: join(stateDir, 'pg', 'run'),
    pgLogFile: join(stateDir, 'pg', 'postgres.log'),
    pgBinDir: pg?.binDir ?? null,
    explicitPgBinDir: s.PG_BIN_DIR ?? null,
    pgMajor: pg?.major ?? null,
    dbHost: '127.0.0.1',
    dbPort: s.DEVSTACK_DB_PORT,
    dbPassword: s.DEVSTACK_DB_PASSWORD,
    apiPort: s.DEVSTACK_API_PORT,
    relayPort: s.RELAY_PORT,
    webPort: s.WEB_PORT,
    jwtSecret: s.DEVSTACK_JWT_SECRET,
    publishableKey: s.DEVSTACK_PUBLISHABLE_KEY,
    secretKey: s.DEVSTACK_SECRET_KEY,
    migrationsDir: resolve(REPO_ROOT, s.DEVSTACK_MIGRATIONS_DIR),
    seedFile: resolve(REPO_ROOT, s.DEVSTACK_SEED_FILE),
    demoEmail: s.DEMO_EMAIL,
    demoPassword: s.DEMO_PASSWORD,
    vendors: {
      twilioPort: s.DEVSTACK_TWILIO_PORT,
      stripePort: s.DEVSTACK_STRIPE_PORT,
      deepgramPort: s.DEVSTACK_DEEPGRAM_PORT,
      elevenlabsPort: s.DEVSTACK_ELEVENLABS_PORT,
      llmPort: s.DEVSTACK_LLM_PORT,
      twilioAccountSid: 'AC00000000000000000000000000de57ac',
      twilioAuthToken: 'devstack-twilio-auth-token-0000000',
      twilioVerifyServiceSid: 'VA00000000000000000000000000de57ac',
      twilioFromNumber: '+15005550006',
      stripeSecretKey: 'sk_test_devstack_000000000000000000000000',
      stripeWebhookSecret: 'whsec_devstack_0000000000000000000000000000',
      deepgramApiKey: 'devstack-deepgram-key',
      elevenlabsApiKey: 'devstack-elevenlabs-key',
      llmApiKey: 'devstack-llm-key'
    }
  };
}

export const config: DevstackConfig = loadDevstackConfig();

export function dbUrl(user = 'postgres', password = config.dbPassword): string {
  return `postgresql://${user}:${encodeURIComponent(password)}@${config.dbHost}:${config.dbPort}/postgres`;
}
