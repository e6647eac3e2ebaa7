// The relay's configuration, read once at start-up from the environment and validated as a whole: a bad or
// missing setting stops the process with one message naming every problem. Nothing else reads process.env.
// Every default is a production default (the real vendors, Postgres, Twilio's signature checked); the demo and
// the tests get their stand-ins and the in-memory store only by asking for them.
import { MAX_CALL_SECONDS, type LlmService } from '../../core/src/pricing.ts';

export type LlmProvider = LlmService;
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high';

/** One OpenAI-compatible chat endpoint: a vendor, its key and model, and how to ask it for a short spoken reply. */
export interface LlmEndpoint {
  provider: LlmProvider;
  baseUrl: string;
  apiKey: string;
  model: string;
  /** The reply's token budget, reasoning included (reasoning models spend part of it thinking). */
  maxCompletionTokens: number;
  /** Sent only to models that take it; null = not sent. */
  reasoningEffort: ReasoningEffort | null;
}

export interface RelayConfig {
  host: string;
  port: number;
  /** Largest WebSocket message accepted; Twilio's frames are a few hundred bytes. */
  maxPayloadBytes: number;
  /** A socket that has not sent a valid `start` by then is closed. */
  startTimeoutMs: number;
  streamTokenSecret: string;
  stt: { provider: 'deepgram'; baseUrl: string; apiKey: string; model: string; endpointingMs: number; utteranceEndMs: number; keyterms: string[] };
  llm: LlmEndpoint & {
    maxRetries: number;
    /** The primary has this long to produce its first word before the same turn goes to the fallback. */
    firstTokenTimeoutMs: number;
    /** The second vendor, answering a turn the primary failed; null = none (LLM_FALLBACK_PROVIDER=none). */
    fallback: LlmEndpoint | null;
  };
  tts: { provider: 'elevenlabs'; baseUrl: string; apiKey: string; modelId: string; defaultVoiceId: string };
  /** maxCallSeconds is the ceiling for every call; each call also ends at its own max_duration_seconds. */
  turns: { bargeInSpeechMs: number; bargeInWords: number; silenceMs: number; maxCallSeconds: number };
  /** Postgres for calls, transcripts and cost events; null only with RELAY_CALL_STORE=memory (tests, benchmarks). */
  databaseUrl: string | null;
  /**
   * Twilio's signature on the stream's WebSocket upgrade, over RELAY_STREAM_URL (the address the TwiML gives
   * Twilio), with TWILIO_AUTH_TOKEN (comma-separated for a rotation). null only with RELAY_TWILIO_SIGNATURE=off.
   */
  twilioSignature: { authTokens: string[]; streamUrl: string } | null;
  /** The browser softphone's stream, admitted by Supabase Auth; null = /browser/stream is off. */
  browser: { supabaseUrl: string; anonKey: string } | null;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`media-relay configuration is invalid: ${problems.join(' ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

// Current models (December 2026): Cerebras retired llama-3.3-70b for gpt-oss-120b, a reasoning model kept to low
// effort for a voice turn; OpenAI shuts gpt-4o-mini and gpt-4.1-mini down on 2027-01-14 and recommends
// gpt-6-luna, which reasons by default, so it is asked not to.
export const LLM_DEFAULTS: Record<LlmProvider, { baseUrl: string; model: string; keyName: string }> = {
  cerebras: { baseUrl: 'https://api.cerebras.ai/v1', model: 'gpt-oss-120b', keyName: 'CEREBRAS_API_KEY' },
  openai: { baseUrl: 'https://api.openai.com/v1', model: 'gpt-6-luna', keyName: 'OPENAI_API_KEY' }
};
const OTHER_LLM: Record<LlmProvider, LlmProvider> = { cerebras: 'openai', openai: 'cerebras' };
const REASONING_EFFORTS: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high'];

/** The lowest reasoning effort the model takes, or null for models that refuse the parameter. */
export function defaultReasoningEffort(model: string): ReasoningEffort | null {
  if (/^gpt-oss/.test(model)) return 'low';
  if (/^(gpt-5\.\d|gpt-6|qwen-3\.\d)/.test(model)) return 'none';
  if (/^gpt-5/.test(model)) return 'minimal';
  if (/^o\d/.test(model)) return 'low';
  return null;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): RelayConfig {
  const problems: string[] = [];
  const str = (name: string, fallback?: string): string => {
    const v = env[name]?.trim();
    if (v) return v;
    if (fallback !== undefined) return fallback;
    problems.push(`${name} is required.`);
    return '';
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be ${values.map((v) => `"${v}"`).join(' or ')}, got "${raw}".`);
    return fallback;
  };
  const url = (name: string, fallback: string | undefined, schemes: string[]): string => {
    const v = str(name, fallback);
    if (!v) return v;
    try {
      const u = new URL(v);
      if (!schemes.includes(u.protocol)) problems.push(`${name} must be a ${schemes.join(' or ')} URL, got "${v}".`);
    } catch {
      problems.push(`${name} must be a URL, got "${v}".`);
    }
    return v.replace(/\/+$/, '');
  };

  const secret = str('RELAY_STREAM_TOKEN_SECRET');
  if (secret && secret.length < 32) problems.push('RELAY_STREAM_TOKEN_SECRET must be at least 32 characters.');

  const maxTokens = int('LLM_MAX_COMPLETION_TOKENS', 512, 16, 4096);
  // The primary answers to the LLM_* names, or to the vendor's own key name (CEREBRAS_API_KEY, OPENAI_API_KEY).
  const endpoint = (prefix: 'LLM' | 'LLM_FALLBACK', provider: LlmProvider): LlmEndpoint => {
    const d = LLM_DEFAULTS[provider];
    const keyName = `${prefix}_API_KEY`;
    const apiKey = env[keyName]?.trim() || env[d.keyName]?.trim() || '';
    if (!apiKey) problems.push(`${keyName} or ${d.keyName} is required (the ${prefix === 'LLM' ? 'primary' : 'fallback'} LLM, ${provider}).`);
    const model = str(`${prefix}_MODEL`, d.model);
    const effortRaw = env[`${prefix}_REASONING_EFFORT`]?.trim();
    const reasoningEffort = effortRaw ? oneOf(`${prefix}_REASONING_EFFORT`, REASONING_EFFORTS, 'low') : defaultReasoningEffort(model);
    return { provider, baseUrl: url(`${prefix}_BASE_URL`, d.baseUrl, ['http:', 'https:']), apiKey, model, maxCompletionTokens: maxTokens, reasoningEffort };
  };
  const llmProvider = oneOf<LlmProvider>('LLM_PROVIDER', ['cerebras', 'openai'], 'cerebras');
  const primary = endpoint('LLM', llmProvider);
  const fallbackProvider = oneOf<LlmProvider | 'none'>('LLM_FALLBACK_PROVIDER', ['openai', 'cerebras', 'none'], OTHER_LLM[llmProvider]);
  const fallback = fallbackProvider === 'none' ? null : endpoint('LLM_FALLBACK', fallbackProvider);

  const ceiling = int('RELAY_MAX_CALL_SECONDS', MAX_CALL_SECONDS, 10, MAX_CALL_SECONDS);

  const callStore = oneOf('RELAY_CALL_STORE', ['postgres', 'memory'] as const, 'postgres');
  const databaseUrl = callStore === 'memory' ? null : url('DATABASE_URL', undefined, ['postgres:', 'postgresql:']);

  const config: RelayConfig = {
    host: str('RELAY_HOST', '127.0.0.1'),
    port: int('RELAY_PORT', 8787, 0, 65535),
    maxPayloadBytes: int('RELAY_MAX_PAYLOAD_BYTES', 64 * 1024, 1024, 1024 * 1024),
    startTimeoutMs: int('RELAY_START_TIMEOUT_MS', 5000, 100, 60_000),
    streamTokenSecret: secret,
    stt: {
      provider: 'deepgram',
      baseUrl: url('DEEPGRAM_BASE_URL', 'wss://api.deepgram.com', ['ws:', 'wss:']),
      apiKey: str('DEEPGRAM_API_KEY'),
      model: str('DEEPGRAM_MODEL', 'nova-3'),
      endpointingMs: int('STT_ENDPOINTING_MS', 500, 10, 5000),
      utteranceEndMs: int('STT_UTTERANCE_END_MS', 1000, 1000, 5000),
      keyterms: (env.STT_KEYTERMS ?? '').split('|').map((s) => s.trim()).filter(Boolean)
    },
    llm: {
      ...primary,
      maxRetries: int('LLM_MAX_RETRIES', 1, 0, 3),
      firstTokenTimeoutMs: int('LLM_FIRST_TOKEN_TIMEOUT_MS', 1500, 100, 30_000),
      fallback
    },
    tts: {
      provider: 'elevenlabs',
      baseUrl: url('ELEVENLABS_BASE_URL', 'https://api.elevenlabs.io', ['http:', 'https:']),
      apiKey: str('ELEVENLABS_API_KEY'),
      modelId: str('ELEVENLABS_MODEL_ID', 'eleven_flash_v2_5'),
      defaultVoiceId: str('ELEVENLABS_DEFAULT_VOICE_ID', '21m00Tcm4TlvDq8ikWAM')
    },
    turns: {
      bargeInSpeechMs: int('RELAY_BARGE_IN_MS', 300, 60, 2000),
      bargeInWords: int('RELAY_BARGE_IN_WORDS', 2, 1, 10),
      silenceMs: int('RELAY_SILENCE_MS', 10_000, 1000, 120_000),
      maxCallSeconds: ceiling
    },
    databaseUrl,
    twilioSignature: null,
    browser: null
  };

  // Twilio's signature is checked unless explicitly switched off: a missing auth token must not quietly open the
  // stream to anyone holding a leaked stream token.
  if (oneOf('RELAY_TWILIO_SIGNATURE', ['on', 'off'] as const, 'on') === 'on') {
    const authTokens = (env.TWILIO_AUTH_TOKEN ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    if (authTokens.length === 0) problems.push('TWILIO_AUTH_TOKEN is required: Twilio signs the stream it opens (RELAY_TWILIO_SIGNATURE=off only for tests).');
    const streamUrl = url('RELAY_STREAM_URL', undefined, ['ws:', 'wss:']);
    if (streamUrl.includes('?')) problems.push('RELAY_STREAM_URL must not have a query string (Twilio refuses one on <Stream url>).');
    else if (authTokens.length > 0 && streamUrl) config.twilioSignature = { authTokens, streamUrl };
  }

  const supabaseUrl = env.SUPABASE_URL?.trim();
  // The project's publishable key (what hosted projects hand out now), or a legacy anon key.
  const anonKey = env.SUPABASE_PUBLISHABLE_KEY?.trim() || env.SUPABASE_ANON_KEY?.trim();
  if (supabaseUrl || anonKey) {
    if (!supabaseUrl) problems.push('SUPABASE_URL is required when SUPABASE_PUBLISHABLE_KEY is set (the browser stream asks Auth about tokens).');
    if (!anonKey) problems.push('SUPABASE_PUBLISHABLE_KEY (or a legacy SUPABASE_ANON_KEY) is required when SUPABASE_URL is set (the browser stream asks Auth about tokens).');
    if (anonKey && /^sb_secret_/.test(anonKey)) problems.push('SUPABASE_PUBLISHABLE_KEY holds a secret key: the browser stream only needs the publishable key.');
    if (supabaseUrl && anonKey) config.browser = { supabaseUrl: url('SUPABASE_URL', supabaseUrl, ['http:', 'https:']), anonKey };
  }
  if (config.browser && !config.databaseUrl) {
    problems.push('DATABASE_URL is required when the browser stream is on (SUPABASE_URL): calls are checked and completed in the database.');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
