// A hosted-profile devstack of its own for integration tests: started through the command line on its own state
// directory and ports (so it never touches the default stack the other suites use), stopped afterwards.
import { runCli } from './cli.ts';

export interface HostedStack {
  env: Record<string, string>;
  status: Record<string, string | boolean>;
  apiUrl: string;
  dbUrl: string;
  publishableKey: string;
  secretKey: string;
  jwksUrl: string;
  /** Restarts the services process with extra environment (e.g. DEVSTACK_LEGACY_KEYS=true). */
  restart: (extra?: Record<string, string>) => Promise<void>;
  stop: () => Promise<void>;
}

/** A port base from the environment (`name`), or `fallback`. */
export function portBase(name: string, fallback: number): number {
  const raw = process.env[name];
  const base = Number(raw ?? fallback);
  if (!Number.isInteger(base) || base < 1024 || base > 65000) {
    throw new Error(`${name} must be a whole number between 1024 and 65000, got "${raw}".`);
  }
  return base;
}

/**
 * A hosted-profile stack's environment on its own state directory and ports, `base + offset` mirroring the default
 * layout (API base+1, DB base+2, vendors base+20…24, web base+53, e2e web base+54, relay base+67). Auth's Site URL
 * (supabase/config.toml reads env(SITE_URL)), where mail links land, is the web app on `sitePort`.
 */
export function hostedStackEnvAt(base: number, dir: string, sitePort = base + 53): Record<string, string> {
  return {
    DEVSTACK_PROFILE: 'hosted',
    DEVSTACK_LEGACY_KEYS: '',
    DEVSTACK_DIR: dir,
    DEVSTACK_API_PORT: String(base + 1),
    DEVSTACK_DB_PORT: String(base + 2),
    DEVSTACK_TWILIO_PORT: String(base + 20),
    DEVSTACK_STRIPE_PORT: String(base + 21),
    DEVSTACK_DEEPGRAM_PORT: String(base + 22),
    DEVSTACK_ELEVENLABS_PORT: String(base + 23),
    DEVSTACK_LLM_PORT: String(base + 24),
    RELAY_PORT: String(base + 67),
    WEB_PORT: String(base + 53),
    E2E_WEB_PORT: String(base + 54),
    SITE_URL: `http://127.0.0.1:${sitePort}`
  };
}

/** The integration suites' hosted stack: base HOSTED_ITEST_PORT_BASE (default 54420), dir HOSTED_ITEST_DIR. */
export function hostedStackEnv(): Record<string, string> {
  return hostedStackEnvAt(portBase('HOSTED_ITEST_PORT_BASE', 54420), process.env.HOSTED_ITEST_DIR ?? '.devstack/hosted-itest');
}

async function cli(command: string, args: string[], env: Record<string, string>): Promise<string> {
  const r = await runCli(command, args, env);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export async function startHostedStack(): Promise<HostedStack> {
  const env = hostedStackEnv();
  await cli('stack:start', ['--hosted'], env);
  const status = JSON.parse(await cli('stack:status', ['--json'], env)) as Record<string, string | boolean>;
  if (status.PROFILE !== 'hosted') throw new Error(`${env.DEVSTACK_DIR} holds a ${String(status.PROFILE)} stack, not a hosted one.`);
  return {
    env,
    status,
    apiUrl: String(status.API_URL),
    dbUrl: String(status.DB_URL),
    publishableKey: String(status.PUBLISHABLE_KEY),
    secretKey: String(status.SECRET_KEY),
    jwksUrl: String(status.JWKS_URL),
    restart: async (extra = {}) => {
      await cli('stack:restart', [], { ...env, ...extra });
    },
    stop: async () => {
      await cli('stack:stop', [], env);
    }
  };
}
