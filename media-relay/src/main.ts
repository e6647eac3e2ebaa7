// Entry point: `node media-relay/src/main.ts`. Reads the configuration once, wires the real adapters, serves.
import { SupabaseAuthVerifier, type BrowserAuthVerifier } from './browser_stream.ts';
import { InMemoryCallStore, type CallStore } from './call_store.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createProviders } from './providers.ts';
import { startRelayServer } from './server.ts';
import { HmacStreamTokenVerifier } from './stream_token.ts';

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

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
  let browserAuth: BrowserAuthVerifier | undefined;
  if (config.databaseUrl) {
    const { PgCallStore } = await import('./pg_call_store.ts');
    const pgStore = new PgCallStore(config.databaseUrl, log);
    store = pgStore;
    if (config.browser) {
      browserAuth = new SupabaseAuthVerifier({ ...config.browser, isSessionRevoked: (id) => pgStore.isSessionRevoked(id) });
    }
  } else {
    // Only with RELAY_CALL_STORE=memory: nothing is settled, so it is said at start.
    log('relay: RELAY_CALL_STORE=memory, calls, transcripts and costs are kept in memory only and never settled');
    store = new InMemoryCallStore();
  }
  const providers = createProviders(config, log);
  const server = await startRelayServer({
    config,
    verifier: new HmacStreamTokenVerifier({ secret: config.streamTokenSecret }),
    store,
    providers: () => providers,
    ...(browserAuth ? { browserAuth } : {}),
    log
  });
  log(`media relay listening on ${server.url} (stream paths /twilio/stream${config.twilioSignature ? ' (Twilio-signed)' : ''}${browserAuth ? ', /browser/stream' : ''}; STT ${config.stt.baseUrl}, LLM ${config.llm.provider} ${config.llm.model} at ${config.llm.baseUrl}, fallback ${config.llm.fallback ? `${config.llm.fallback.provider} ${config.llm.fallback.model} at ${config.llm.fallback.baseUrl}` : 'none'}, TTS ${config.tts.baseUrl})`);

  // A bug in one call's promise chain must not take down every other call on this process.
  process.on('unhandledRejection', (err) => log(`relay.unhandled_rejection: ${(err as Error)?.stack ?? err}`));
  const stop = async () => {
    log('media relay draining');
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
