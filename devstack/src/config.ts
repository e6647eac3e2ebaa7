// devstack's configuration, read once per process from the environment.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) {
    throw new Error(`${name} must be a port number between 1 and 65535, got "${raw}".`);
  }
  return n;
}

/** Newest installed PostgreSQL server under Debian's layout, or an explicit PG_BIN_DIR. */
export function findPostgres(): { binDir: string; major: number } | null {
  const explicit = process.env.PG_BIN_DIR;
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

/** The profile file inside a state directory: a stack keeps the profile it was created with. */
export function profileFile(stateDir: string): string {
  return join(stateDir, 'profile');
}

function profileFromEnv(stateDir: string): DevstackProfile {
  const raw = process.env.DEVSTACK_PROFILE;
  if (raw !== undefined && raw !== '') {
    if (!(PROFILES as readonly string[]).includes(raw)) {
      throw new Error(`DEVSTACK_PROFILE must be one of ${PROFILES.join(', ')}, got "${raw}".`);
    }
    return raw as DevstackProfile;
  }
  const file = profileFile(stateDir);
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if ((PROFILES as readonly string[]).includes(saved)) return saved as DevstackProfile;
  }
  return 'default';
}

function boolFromEnv(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === 'on' || raw === '1') return true;
  if (raw === 'false' || raw === 'off' || raw === '0') return false;
  throw new Error(`${name} must be true or false, got "${raw}".`);
}

function load(): DevstackConfig {
  const stateDir = resolve(REPO_ROOT, process.env.DEVSTACK_DIR ?? '.devstack');
  const pg = findPostgres();
  const profile = profileFromEnv(stateDir);
  return {
    root: REPO_ROOT,
    profile,
    legacyKeys: boolFromEnv('DEVSTACK_LEGACY_KEYS', profile === 'default'),
    stateDir,
    pgDataDir: join(stateDir, 'pg', 'data'),
    pgRunDir: join(stateDir, 'pg', 'run'),
    pgLogFile: join(stateDir, 'pg', 'postgres.log'),
    pgBinDir: pg?.binDir ?? null,
    pgMajor: pg?.major ?? null,
    dbHost: '127.0.0.1',
    dbPort: intFromEnv('DEVSTACK_DB_PORT', 54322),
    dbPassword: process.env.DEVSTACK_DB_PASSWORD ?? 'postgres',
    apiPort: intFromEnv('DEVSTACK_API_PORT', 54321),
    relayPort: intFromEnv('RELAY_PORT', 8787),
    webPort: intFromEnv('WEB_PORT', 5173),
    jwtSecret: process.env.DEVSTACK_JWT_SECRET ?? CLI_JWT_SECRET,
    publishableKey: process.env.DEVSTACK_PUBLISHABLE_KEY ?? CLI_PUBLISHABLE_KEY,
    secretKey: process.env.DEVSTACK_SECRET_KEY ?? CLI_SECRET_KEY,
    migrationsDir: resolve(REPO_ROOT, process.env.DEVSTACK_MIGRATIONS_DIR ?? 'supabase/migrations'),
    seedFile: resolve(REPO_ROOT, process.env.DEVSTACK_SEED_FILE ?? 'supabase/seed.sql'),
    vendors: {
      twilioPort: intFromEnv('DEVSTACK_TWILIO_PORT', 54340),
      stripePort: intFromEnv('DEVSTACK_STRIPE_PORT', 54341),
      deepgramPort: intFromEnv('DEVSTACK_DEEPGRAM_PORT', 54342),
      elevenlabsPort: intFromEnv('DEVSTACK_ELEVENLABS_PORT', 54343),
      llmPort: intFromEnv('DEVSTACK_LLM_PORT', 54344),
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

export const config: DevstackConfig = load();

export function dbUrl(user = 'postgres', password = config.dbPassword): string {
  return `postgresql://${user}:${encodeURIComponent(password)}@${config.dbHost}:${config.dbPort}/postgres`;
}
