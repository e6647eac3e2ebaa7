// Entry point: `node media-relay/src/main.ts`. Reads the configuration once, wires the real adapters, serves.
// SIGTERM (or SIGINT) drains: new streams are refused and /readyz answers 503 while the calls already here run to
// their end; the process exits when the last one has ended, or when the longest a call may last (plus a margin for
// its final writes) has passed. A second signal stops at once, ending the calls that are still live.
import { SupabaseAuthVerifier, type BrowserAuthVerifier } from './browser_stream.ts';
import { InMemoryCallStore, type CallStore } from './call_store.ts';
import { ConfigError, loadConfig } from './config.ts';
import { jsonLogger } from './logger.ts';
import { RelayMetrics } from './metrics.ts';
import { createProviders } from './providers.ts';
import { createReadiness, relayDependencies } from './readiness.ts';
import { startRelayServer } from './server.ts';
import { HmacStreamTokenVerifier } from './stream_token.ts';

/** Time after a call's ceiling for its last transcript, cost and settlement writes. */
const DRAIN_MARGIN_SECONDS = 30;

const log = jsonLogger();

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      // One line naming the settings, no stack trace: the operator's fix is in the environment, not the code.
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  let store: CallStore;
  let closeStore = async () => undefined as void;
  let pingDatabase: (() => Promise<void>) | null = null;
  let browserAuth: BrowserAuthVerifier | undefined;
  if (config.databaseUrl) {
    const { PgCallStore } = await import('./pg_call_store.ts');
    const pgStore = new PgCallStore(config.databaseUrl, log);
    store = pgStore;
    pingDatabase = () => pgStore.ping();
    closeStore = () => pgStore.close();
    if (config.browser) {
      browserAuth = new SupabaseAuthVerifier({ ...config.browser, isSessionRevoked: (id) => pgStore.isSessionRevoked(id) });
    }
  } else {
    // Only with RELAY_CALL_STORE=memory: nothing is settled, so it is said at start.
    log('relay.memory_store', { level: 'warn', note: 'RELAY_CALL_STORE=memory: calls, transcripts and costs are kept in memory only and never settled' });
    store = new InMemoryCallStore();
  }
  const metrics = new RelayMetrics({ processMetrics: true });
  const providers = createProviders(config, log, (vendor) => metrics.vendorError(vendor));
  const server = await startRelayServer({
    config,
    verifier: new HmacStreamTokenVerifier({ secret: config.streamTokenSecret }),
    store,
    providers: () => providers,
    ...(browserAuth ? { browserAuth } : {}),
    log,
    metrics,
    readiness: createReadiness(relayDependencies(config, pingDatabase))
  });
  const { llm } = config;
  log('relay.listening', {
    url: server.url,
    streams: ['/twilio/stream', ...(browserAuth ? ['/browser/stream'] : [])],
    twilio_signature: config.twilioSignature !== null,
    stt: config.stt.baseUrl,
    llm: `${llm.provider} ${llm.model} at ${llm.baseUrl}`,
    llm_fallback: llm.fallback ? `${llm.fallback.provider} ${llm.fallback.model} at ${llm.fallback.baseUrl}` : 'none',
    tts: config.tts.baseUrl
  });

  // A bug in one call's promise chain must not take down every other call on this process.
  process.on('unhandledRejection', (err) => log('relay.unhandled_rejection', { level: 'error', err: err as Error, stack: (err as Error)?.stack }));

  const exit = async (code: number) => {
    await closeStore().catch(() => undefined);
    process.exit(code);
  };
  let draining = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    if (draining) {
      log('relay.stop', { level: 'warn', signal, ended_calls: server.metrics.activeCalls });
      await server.close();
      return exit(0);
    }
    draining = true;
    const deadlineSeconds = config.turns.maxCallSeconds + DRAIN_MARGIN_SECONDS;
    log('relay.drain.start', { signal, active_calls: server.metrics.activeCalls, deadline_seconds: deadlineSeconds });
    const deadline = setTimeout(() => {
      log('relay.drain.deadline', { level: 'warn', ended_calls: server.metrics.activeCalls });
      void server.close().then(() => exit(0));
    }, deadlineSeconds * 1000);
    await server.drain();
    clearTimeout(deadline);
    log('relay.drain.done');
    await server.close();
    await exit(0);
  };
  process.on('SIGTERM', (s) => void onSignal(s));
  process.on('SIGINT', (s) => void onSignal(s));
}

void main();
