// /readyz: can this relay carry a call right now? It can when its database answers and every vendor a call needs can
// be reached (for the LLM, the primary or the fallback: either one answers a turn). The checks are cheap on purpose:
// `select 1`, and one unauthenticated GET per vendor origin (any answer below 500 means the vendor is there; whether
// the keys are good is preflight's question, not a probe's). Results are kept a few seconds, so a load balancer
// probing every second costs the vendors nothing, and concurrent probes share one round of checks.
import type { RelayConfig } from './config.ts';

export interface Dependency {
  name: string;
  /** Resolves when the dependency answers; rejects (or outlives the timeout) when it does not. */
  check: (signal: AbortSignal) => Promise<void>;
}

export interface DependencyStatus {
  ok: boolean;
  /** Why not, in a few words (never a key or a full URL with credentials). */
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  /** Names of the dependencies that failed, in the order they are checked. */
  failing: string[];
  checks: Record<string, DependencyStatus>;
}

export interface Readiness {
  report(): Promise<ReadinessReport>;
}

export const READINESS_TIMEOUT_MS = 2000;
export const READINESS_CACHE_MS = 5000;

function reason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

async function runCheck(dep: Dependency, timeoutMs: number): Promise<DependencyStatus> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // A check that ignores its signal (a database query waiting for a pool slot) still ends at the timeout.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));
    }, timeoutMs);
  });
  try {
    await Promise.race([dep.check(controller.signal), timeout]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: reason(err) };
  } finally {
    clearTimeout(timer);
  }
}

export function createReadiness(deps: readonly Dependency[], opts: { timeoutMs?: number; cacheMs?: number; now?: () => number } = {}): Readiness {
  const timeoutMs = opts.timeoutMs ?? READINESS_TIMEOUT_MS;
  const cacheMs = opts.cacheMs ?? READINESS_CACHE_MS;
  const now = opts.now ?? (() => performance.now());
  let last: { at: number; report: ReadinessReport } | null = null;
  let inFlight: Promise<ReadinessReport> | null = null;

  const check = async (): Promise<ReadinessReport> => {
    const statuses = await Promise.all(deps.map((d) => runCheck(d, timeoutMs)));
    const checks: Record<string, DependencyStatus> = {};
    deps.forEach((d, i) => (checks[d.name] = statuses[i]!));
    const failing = deps.filter((_, i) => !statuses[i]!.ok).map((d) => d.name);
    return { ready: failing.length === 0, failing, checks };
  };

  return {
    report() {
      if (last && now() - last.at < cacheMs) return Promise.resolve(last.report);
      inFlight ??= check().then((report) => {
        last = { at: now(), report };
        inFlight = null;
        return report;
      });
      return inFlight;
    }
  };
}

/** The HTTP origin behind a vendor's base URL (Deepgram's is a WebSocket URL: the same host answers HTTPS). */
export function probeUrl(baseUrl: string): string {
  const u = new URL(baseUrl);
  if (u.protocol === 'wss:') u.protocol = 'https:';
  if (u.protocol === 'ws:') u.protocol = 'http:';
  u.username = '';
  u.password = '';
  u.search = '';
  return u.toString();
}

/** Reachable: the server answered HTTP below 500. A refused connection, a DNS failure, a timeout or a 5xx is not. */
export function httpReachable(baseUrl: string, fetchImpl: typeof fetch = fetch): Dependency['check'] {
  const url = probeUrl(baseUrl);
  return async (signal) => {
    const res = await fetchImpl(url, { method: 'GET', redirect: 'manual', signal });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
  };
}

/** Passes when any of the alternatives passes; the error names each one that failed. */
export function anyOf(alternatives: readonly { label: string; check: Dependency['check'] }[]): Dependency['check'] {
  return async (signal) => {
    const errors: string[] = [];
    for (const alt of alternatives) {
      try {
        await alt.check(signal);
        return;
      } catch (err) {
        errors.push(`${alt.label}: ${reason(err)}`);
      }
    }
    throw new Error(errors.join('; '));
  };
}

/** What a call on this relay needs: the database (when there is one), speech in and out, and an LLM. */
export function relayDependencies(config: Pick<RelayConfig, 'stt' | 'tts' | 'llm' | 'browser'>, pingDatabase: ((signal: AbortSignal) => Promise<void>) | null, fetchImpl: typeof fetch = fetch): Dependency[] {
  const deps: Dependency[] = [];
  if (pingDatabase) deps.push({ name: 'database', check: pingDatabase });
  deps.push({ name: config.stt.provider, check: httpReachable(config.stt.baseUrl, fetchImpl) });
  deps.push({ name: config.tts.provider, check: httpReachable(config.tts.baseUrl, fetchImpl) });
  const llms = [config.llm, ...(config.llm.fallback ? [config.llm.fallback] : [])];
  deps.push({ name: 'llm', check: anyOf(llms.map((l) => ({ label: l.provider, check: httpReachable(l.baseUrl, fetchImpl) }))) });
  // The browser stream asks Auth about every softphone call it admits.
  if (config.browser) deps.push({ name: 'supabase_auth', check: httpReachable(`${config.browser.supabaseUrl}/auth/v1/health`, fetchImpl) });
  return deps;
}
