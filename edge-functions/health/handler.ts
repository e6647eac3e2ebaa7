// Liveness and readiness of the functions runtime: is it configured, and can it reach the database?
// Reports only whether each setting is present, never a value.
import { jsonResponse, preflight } from '../_shared/cors.ts';
import { projectKeysFrom, publishableKey, secretKey } from '../_shared/project_keys.ts';

export const REQUIRED_ENV = ['SUPABASE_URL', 'SUPABASE_DB_URL'] as const;

/**
 * The API keys, reported under the platform's names. A key counts as present when it resolves from the JSON map or
 * from its fallbacks (singular, legacy JWT), since a project with legacy keys off has only the maps.
 */
function keyChecks(env: HealthDeps['env']): Record<string, boolean> {
  try {
    const keys = projectKeysFrom(env);
    return { SUPABASE_PUBLISHABLE_KEYS: publishableKey(keys) !== null, SUPABASE_SECRET_KEYS: secretKey(keys) !== null };
  } catch {
    return { SUPABASE_PUBLISHABLE_KEYS: false, SUPABASE_SECRET_KEYS: false };
  }
}

export interface HealthDeps {
  env: (name: string) => string | undefined;
  now: () => Date;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  pingDatabase: (dbUrl: string) => Promise<void>;
  /** How long the database may take to answer. */
  timeoutMs?: number;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  time: string;
  checks: {
    env: Record<string, boolean>;
    database: 'ok' | 'unreachable' | 'not_configured';
  };
}

async function checkDatabase(deps: HealthDeps): Promise<HealthReport['checks']['database']> {
  const url = deps.env('SUPABASE_DB_URL');
  if (!url) return 'not_configured';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('database check timed out')), deps.timeoutMs ?? 2000);
  });
  try {
    await Promise.race([deps.pingDatabase(url), timeout]);
    return 'ok';
  } catch {
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

export async function handleHealth(req: Request, deps: HealthDeps): Promise<Response> {
  const early = preflight(req);
  if (early) return early;
  if (req.method !== 'GET' && req.method !== 'POST') {
    return jsonResponse({ code: 'method_not_allowed', message: 'Use GET or POST to read the health report.' }, 405, {
      Allow: 'GET, POST, OPTIONS'
    });
  }
  const env = { ...Object.fromEntries(REQUIRED_ENV.map((name) => [name, Boolean(deps.env(name))])), ...keyChecks(deps.env) };
  const database = await checkDatabase(deps);
  const healthy = Object.values(env).every(Boolean) && database === 'ok';
  const report: HealthReport = {
    status: healthy ? 'ok' : 'degraded',
    time: deps.now().toISOString(),
    checks: { env, database }
  };
  return jsonResponse(report, healthy ? 200 : 503, { 'Cache-Control': 'no-store' });
}
