import { demoEnv, standInEnv } from '../demo_env.ts';
// `/functions/v1/<slug>[/...]`: the local edge-functions router (supabase-api.md §6). Each function runs in its own
// long-lived Deno process, started on its first request and restarted when its files change.
import { existsSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { dbUrl } from '../config.ts';
import { sendJson } from '../gateway/http.ts';
import { jwtKeysOf, keysOf, type RequestContext, type Service, type ServiceDeps } from '../gateway/types.ts';
import { parseDotenv } from './dotenv.ts';
import { resolveFunctions, type FunctionSpec, type FunctionsProject } from './function_config.ts';
import { functionEnv, hostedSupabaseEnv, supabaseEnv } from './function_env.ts';
import { checkJwt } from './jwt_gate.ts';
import { proxyToWorker } from './proxy.ts';
import { BootError, startWorker, type RunningWorker } from './worker_process.ts';

export interface FunctionsOptions {
  /** The Supabase config declaring the functions; default `<repo>/supabase/config.toml`. */
  configFile?: string;
  /** Secrets files, later ones winning; default `<config dir>/functions/.env` then `<repo>/edge-functions/.env`. */
  secretsFiles?: string[];
  /** What functions see as SUPABASE_URL; default the gateway's own URL. */
  apiUrl?: string;
  /** Extra variables for every function (e.g. demo vendor endpoints); Supabase's own still win. */
  extraEnv?: Record<string, string>;
  bootTimeoutMs?: number;
  /** Idle limit of one request, as the edge runtime's wall clock. */
  requestTimeoutMs?: number;
}

export const BOOT_ERROR = { code: 'BOOT_ERROR', message: 'Worker failed to boot (please check logs)' };

interface Slot {
  spec: FunctionSpec;
  worker: RunningWorker | null;
  booting: Promise<RunningWorker> | null;
  watchers: FSWatcher[];
  reloadTimer: ReturnType<typeof setTimeout> | null;
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

function sameSpec(a: FunctionSpec, b: FunctionSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export async function createFunctionsService(deps: ServiceDeps, options: FunctionsOptions = {}): Promise<Service> {
  const { config, log } = deps;
  const hosted = config.profile === 'hosted';
  const keys = keysOf(deps);
  const jwtKeys = jwtKeysOf(deps);
  const configFile = options.configFile ?? join(config.root, 'supabase', 'config.toml');
  let project: FunctionsProject = resolveFunctions(configFile);
  const secretsFiles = options.secretsFiles ?? [join(project.configDir, 'functions', '.env'), join(config.root, 'edge-functions', '.env')];
  const denoBin = join(config.root, 'node_modules', '.bin', 'deno');
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const slots = new Map<string, Slot>();
  let closed = false;

  const inputsStamp = () => [configFile, ...secretsFiles].map(mtimeOf).join(',');
  let stamp = inputsStamp();

  let reported = '';
  const reportProblems = () => {
    const problems = [...project.problems, ...[...project.functions.values()].flatMap((fn) => (fn.problem ? [fn.problem] : []))];
    // Said once per change, not on every request that re-reads the config.
    if (problems.join('\n') !== reported) for (const p of problems) log(`functions: ${p}`);
    reported = problems.join('\n');
  };
  reportProblems();
  log(`functions: serving ${[...project.functions.keys()].join(', ') || 'no functions'} from ${configFile}`);

  function readSecrets(): Record<string, string> {
    const secrets: Record<string, string> = {};
    for (const file of secretsFiles) {
      if (!existsSync(file)) continue;
      const { values, problems } = parseDotenv(readFileSync(file, 'utf8'));
      for (const p of problems) log(`functions: ${file} ${p}`);
      Object.assign(secrets, values);
    }
    return secrets;
  }

  function environment(): Record<string, string> {
    const apiUrl = options.apiUrl ?? `http://127.0.0.1:${config.apiPort}`;
    const supabase = hosted
      ? hostedSupabaseEnv({
          apiUrl,
          dbUrl: dbUrl(),
          publishableKey: keys.publishableKey,
          secretKey: keys.secretKey,
          jwks: keys.jwks,
          legacy: config.legacyKeys ? { anonKey: deps.anonKey, serviceRoleKey: deps.serviceRoleKey } : null
        })
      : supabaseEnv({
          apiUrl,
          anonKey: deps.anonKey,
          serviceRoleKey: deps.serviceRoleKey,
          dbUrl: dbUrl(),
          publishableKey: config.publishableKey,
          secretKey: config.secretKey,
          jwtSecret: config.jwtSecret
        });
    const runtime = { DENO_DIR: join(config.stateDir, 'deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
    const { env, skipped } = functionEnv(supabase, { ...(options.extraEnv ?? {}), ...readSecrets() }, runtime, hosted);
    for (const s of skipped) log(`functions: secret skipped: ${s}`);
    return env;
  }

  async function stopSlot(slot: Slot): Promise<void> {
    for (const w of slot.watchers) w.close();
    slot.watchers = [];
    if (slot.reloadTimer) clearTimeout(slot.reloadTimer);
    slot.reloadTimer = null;
    const worker = slot.worker ?? (await slot.booting?.catch(() => null)) ?? null;
    slot.worker = null;
    slot.booting = null;
    await worker?.stop();
  }

  function watchSlot(slot: Slot): void {
    const reload = () => {
      if (slot.reloadTimer) clearTimeout(slot.reloadTimer);
      // Editors write a file in several steps; restart once they are done.
      slot.reloadTimer = setTimeout(() => {
        log(`functions: ${slot.spec.slug} changed, restarting its worker`);
        void stopSlot(slot);
      }, 150);
    };
    for (const path of slot.spec.watchPaths) {
      try {
        const recursive = statSync(path).isDirectory();
        const w = watch(path, { recursive, persistent: false }, reload);
        w.on('error', () => undefined);
        slot.watchers.push(w);
      } catch {
        // A path that vanished: the next request re-resolves the function.
      }
    }
  }

  function workerFor(slot: Slot): Promise<RunningWorker> {
    if (slot.worker?.alive()) return Promise.resolve(slot.worker);
    if (slot.booting) return slot.booting;
    const spec = slot.spec;
    if (spec.problem) return Promise.reject(new BootError(spec.problem));
    if (slot.watchers.length === 0) watchSlot(slot);
    const booting = startWorker({
      denoBin,
      spec,
      env: environment(),
      cwd: config.root,
      log,
      bootTimeoutMs: options.bootTimeoutMs ?? 30_000
    });
    slot.booting = booting;
    booting.then(
      (worker) => {
        if (slot.booting !== booting) return void worker.stop();
        slot.booting = null;
        slot.worker = worker;
        log(`functions: ${spec.slug} serving from ${spec.entrypoint}`);
        void worker.exited.then(() => {
          if (slot.worker === worker) slot.worker = null;
        });
      },
      () => {
        if (slot.booting === booting) slot.booting = null;
      }
    );
    return booting;
  }

  /** Picks up config and secrets edits, and functions added since the last look. */
  async function refresh(force: boolean): Promise<void> {
    const now = inputsStamp();
    if (!force && now === stamp) return;
    const secretsChanged = now.split(',').slice(1).join(',') !== stamp.split(',').slice(1).join(',');
    stamp = now;
    project = resolveFunctions(configFile);
    reportProblems();
    for (const [slug, slot] of slots) {
      const next = project.functions.get(slug);
      if (!next || !sameSpec(next, slot.spec) || secretsChanged) {
        slots.delete(slug);
        await stopSlot(slot);
      }
    }
  }

  function slotFor(slug: string): Slot | null {
    const spec = project.functions.get(slug);
    if (!spec) return null;
    let slot = slots.get(slug);
    if (!slot) {
      slot = { spec, worker: null, booting: null, watchers: [], reloadTimer: null };
      slots.set(slug, slot);
    }
    return slot;
  }

  async function http(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const slug = ctx.path.split('/')[1] ?? '';
    await refresh(false);
    // An unknown or misconfigured function may have been added or fixed since: look again before refusing.
    if (slug && (!project.functions.has(slug) || project.functions.get(slug)!.problem)) await refresh(true);
    const slot = closed ? null : slotFor(slug);
    if (!slot) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Function not found');
      return;
    }
    const auth = req.headers.authorization;
    const gate = await checkJwt(req.method ?? 'GET', slot.spec.verifyJwt, auth, ctx.bearer, jwtKeys);
    if (!gate.ok) {
      sendJson(res, gate.status, gate.body);
      return;
    }
    let worker: RunningWorker;
    try {
      worker = await workerFor(slot);
    } catch (err) {
      log(`functions: ${slug} failed to boot: ${(err as Error).message}`);
      sendJson(res, 503, BOOT_ERROR);
      return;
    }
    await proxyToWorker(req, res, {
      port: worker.port,
      path: `${ctx.path}${ctx.url.search}`,
      authorization: ctx.bearer ? `Bearer ${ctx.bearer}` : null,
      agent,
      timeoutMs: options.requestTimeoutMs ?? 400_000
    });
  }

  async function close(): Promise<void> {
    closed = true;
    await Promise.all([...slots.values()].map(stopSlot));
    slots.clear();
    agent.destroy();
  }

  return { http, close };
}

/**
 * Functions see the stand-ins under production variable names; real keys in the secrets file win. The default
 * profile adds demo mode; the hosted profile runs them as in production.
 */
export async function createService(deps: ServiceDeps): Promise<Service> {
  return createFunctionsService(deps, { extraEnv: deps.config.profile === 'hosted' ? standInEnv() : demoEnv() });
}
