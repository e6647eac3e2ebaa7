// The relay's configuration, read once at start-up from the environment through the settings schemas and
// validated as a whole: a bad or missing setting stops the process with one line per problem. Nothing else reads
// process.env. Every default is a production default (the real vendors, Postgres, Twilio's signature checked); the
// demo and the tests get their stand-ins and the in-memory store only by asking for them.
import { MAX_CALL_SECONDS, type LlmService } from '../../core/src/pricing.ts';
import {
  defaultedSetting, int, list, oneOf, optionalSetting, pick, readSettings, requiredSetting, SettingsError, text, token, url,
  type AnySetting, type Env, type SettingsOf
} from '../../core/src/settings_schema.ts';
import {
  ELEVENLABS_API_KEY, ELEVENLABS_BASE_URL, ELEVENLABS_MODEL_ID, RELAY_PORT, RELAY_STREAM_TOKEN_SECRET, RELAY_STREAM_URL, SUPABASE_ANON_KEY,
  SUPABASE_PUBLISHABLE_KEY, SUPABASE_URL, TWILIO_AUTH_TOKEN, TWILIO_AUTH_TOKEN_PREVIOUS
} from '../../core/src/shared_settings.ts';

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
  /** How answers start: preemptive generation on the caller's words so far, the wait after an unfinished sentence, the acknowledgement of a late answer. */
  answering: { preemptive: boolean; unfinishedHoldMs: number; ackAfterMs: number };
  /** Postgres for calls, transcripts and cost events; null only with RELAY_CALL_STORE=memory (tests, benchmarks). */
  databaseUrl: string | null;
  /**
   * Twilio's signature on the stream's WebSocket upgrade, over RELAY_STREAM_URL (the address the TwiML gives
   * Twilio), with TWILIO_AUTH_TOKEN and, during a rotation, TWILIO_AUTH_TOKEN_PREVIOUS. null only with
   * RELAY_TWILIO_SIGNATURE=off.
   */
  twilioSignature: { authTokens: string[]; streamUrl: string } | null;
  /** The browser softphone's stream, admitted by Supabase Auth; null = /browser/stream is off. */
  browser: { supabaseUrl: string; anonKey: string } | null;
}

/** Bad settings: `problems` has one sentence per setting to fix, and the message one line each. */
export class ConfigError extends SettingsError {
  constructor(problems: readonly string[]) {
    super('media-relay', problems);
    this.name = 'ConfigError';
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

const EFFORT_VALUE = oneOf(REASONING_EFFORTS);
const LLM_VENDOR_DEFAULTS = 'cerebras: https://api.cerebras.ai/v1 and gpt-oss-120b; openai: https://api.openai.com/v1 and gpt-6-luna';

/** Every setting the relay reads, with what production needs of it (the README table is generated from these). */
export const RELAY_SETTINGS = {
  RELAY_HOST: defaultedSetting(
    { name: 'RELAY_HOST', production: 'optional', default: '0.0.0.0', readBy: ['relay'], meaning: 'the address the relay listens on (devstack: 127.0.0.1)' },
    text()
  ),
  RELAY_PORT,
  RELAY_MAX_PAYLOAD_BYTES: defaultedSetting(
    { name: 'RELAY_MAX_PAYLOAD_BYTES', production: 'optional', default: String(64 * 1024), readBy: ['relay'], meaning: 'largest WebSocket message accepted (Twilio\'s frames are a few hundred bytes)' },
    int(1024, 1024 * 1024)
  ),
  RELAY_START_TIMEOUT_MS: defaultedSetting(
    { name: 'RELAY_START_TIMEOUT_MS', production: 'optional', default: '5000', readBy: ['relay'], meaning: 'a stream that has not sent a valid start by then is closed' },
    int(100, 60_000)
  ),
  RELAY_STREAM_TOKEN_SECRET,
  DEEPGRAM_BASE_URL: defaultedSetting(
    { name: 'DEEPGRAM_BASE_URL', production: 'optional', default: 'wss://api.deepgram.com', secureScheme: 'wss:', readBy: ['relay'], meaning: 'Deepgram\'s streaming origin' },
    url(['wss:', 'ws:'])
  ),
  DEEPGRAM_API_KEY: requiredSetting(
    { name: 'DEEPGRAM_API_KEY', production: 'required', secret: true, readBy: ['relay'], meaning: 'Deepgram API key: speech-to-text of the callee' },
    token()
  ),
  DEEPGRAM_MODEL: defaultedSetting({ name: 'DEEPGRAM_MODEL', production: 'optional', default: 'nova-3', readBy: ['relay'], meaning: 'the Deepgram model' }, text()),
  STT_ENDPOINTING_MS: defaultedSetting(
    { name: 'STT_ENDPOINTING_MS', production: 'optional', default: '500', readBy: ['relay'], meaning: 'silence that ends an utterance (Deepgram endpointing)' },
    int(10, 5000)
  ),
  STT_UTTERANCE_END_MS: defaultedSetting(
    { name: 'STT_UTTERANCE_END_MS', production: 'optional', default: '1000', readBy: ['relay'], meaning: 'gap in words that ends a turn (Deepgram utterance_end_ms)' },
    int(1000, 5000)
  ),
  STT_KEYTERMS: defaultedSetting(
    { name: 'STT_KEYTERMS', production: 'optional', default: '', defaultText: 'none', readBy: ['relay'], meaning: 'words Deepgram should favour, separated by |' },
    list(text(), '|')
  ),
  LLM_PROVIDER: defaultedSetting(
    { name: 'LLM_PROVIDER', production: 'optional', default: 'cerebras', readBy: ['relay'], meaning: 'the vendor that answers each turn: cerebras or openai' },
    oneOf(['cerebras', 'openai'] as const)
  ),
  LLM_MODEL: optionalSetting(
    { name: 'LLM_MODEL', production: 'optional', defaultText: 'the vendor\'s (gpt-oss-120b, gpt-6-luna)', readBy: ['relay'], meaning: 'the primary LLM\'s model' },
    text()
  ),
  LLM_BASE_URL: optionalSetting(
    { name: 'LLM_BASE_URL', production: 'optional', defaultText: 'the vendor\'s API', secureScheme: 'https:', readBy: ['relay'], meaning: `the primary LLM's OpenAI-compatible API (${LLM_VENDOR_DEFAULTS})` },
    url(['https:', 'http:'])
  ),
  LLM_API_KEY: optionalSetting(
    { name: 'LLM_API_KEY', production: 'optional', defaultText: 'the vendor\'s key', secret: true, readBy: ['relay'], meaning: 'the primary LLM\'s key, instead of CEREBRAS_API_KEY / OPENAI_API_KEY' },
    token()
  ),
  LLM_REASONING_EFFORT: optionalSetting(
    { name: 'LLM_REASONING_EFFORT', production: 'optional', defaultText: 'the model\'s lowest', readBy: ['relay'], meaning: 'reasoning effort asked of the primary model: none, minimal, low, medium or high' },
    EFFORT_VALUE
  ),
  LLM_FALLBACK_PROVIDER: optionalSetting(
    { name: 'LLM_FALLBACK_PROVIDER', production: 'optional', defaultText: 'the other vendor', readBy: ['relay'], meaning: 'the vendor that answers a turn the primary fails or has not started in time: openai, cerebras or none' },
    oneOf(['openai', 'cerebras', 'none'] as const)
  ),
  LLM_FALLBACK_MODEL: optionalSetting(
    { name: 'LLM_FALLBACK_MODEL', production: 'optional', defaultText: 'the vendor\'s (gpt-6-luna, gpt-oss-120b)', readBy: ['relay'], meaning: 'the fallback LLM\'s model' },
    text()
  ),
  LLM_FALLBACK_BASE_URL: optionalSetting(
    { name: 'LLM_FALLBACK_BASE_URL', production: 'optional', defaultText: 'the vendor\'s API', secureScheme: 'https:', readBy: ['relay'], meaning: 'the fallback LLM\'s OpenAI-compatible API' },
    url(['https:', 'http:'])
  ),
  LLM_FALLBACK_API_KEY: optionalSetting(
    { name: 'LLM_FALLBACK_API_KEY', production: 'optional', defaultText: 'the vendor\'s key', secret: true, readBy: ['relay'], meaning: 'the fallback LLM\'s key, instead of the vendor\'s name' },
    token()
  ),
  LLM_FALLBACK_REASONING_EFFORT: optionalSetting(
    { name: 'LLM_FALLBACK_REASONING_EFFORT', production: 'optional', defaultText: 'the model\'s lowest', readBy: ['relay'], meaning: 'reasoning effort asked of the fallback model' },
    EFFORT_VALUE
  ),
  CEREBRAS_API_KEY: optionalSetting(
    {
      name: 'CEREBRAS_API_KEY', production: 'required', requiredWhen: 'Cerebras answers (the default primary) without LLM_API_KEY / LLM_FALLBACK_API_KEY', secret: true,
      readBy: ['relay'], meaning: 'Cerebras API key (csk-…)'
    },
    token()
  ),
  OPENAI_API_KEY: optionalSetting(
    {
      name: 'OPENAI_API_KEY', production: 'required', requiredWhen: 'OpenAI answers (the default fallback) without LLM_API_KEY / LLM_FALLBACK_API_KEY', secret: true,
      readBy: ['relay'], meaning: 'OpenAI API key (sk-…)'
    },
    token()
  ),
  LLM_MAX_COMPLETION_TOKENS: defaultedSetting(
    { name: 'LLM_MAX_COMPLETION_TOKENS', production: 'optional', default: '512', readBy: ['relay'], meaning: 'a reply\'s token budget, reasoning included' },
    int(16, 4096)
  ),
  LLM_MAX_RETRIES: defaultedSetting({ name: 'LLM_MAX_RETRIES', production: 'optional', default: '1', readBy: ['relay'], meaning: 'retries of a failed LLM request' }, int(0, 3)),
  LLM_FIRST_TOKEN_TIMEOUT_MS: defaultedSetting(
    { name: 'LLM_FIRST_TOKEN_TIMEOUT_MS', production: 'optional', default: '1500', readBy: ['relay'], meaning: 'how long the primary has to start a reply before the fallback answers the turn' },
    int(100, 30_000)
  ),
  ELEVENLABS_BASE_URL,
  ELEVENLABS_API_KEY,
  ELEVENLABS_MODEL_ID,
  ELEVENLABS_DEFAULT_VOICE_ID: defaultedSetting(
    { name: 'ELEVENLABS_DEFAULT_VOICE_ID', production: 'optional', default: '21m00Tcm4TlvDq8ikWAM', readBy: ['relay'], meaning: 'the voice of a persona that has none' },
    text()
  ),
  RELAY_BARGE_IN_MS: defaultedSetting(
    { name: 'RELAY_BARGE_IN_MS', production: 'optional', default: '300', readBy: ['relay'], meaning: 'callee speech that interrupts the persona' },
    int(60, 2000)
  ),
  RELAY_BARGE_IN_WORDS: defaultedSetting(
    { name: 'RELAY_BARGE_IN_WORDS', production: 'optional', default: '2', readBy: ['relay'], meaning: 'words heard that interrupt the persona' },
    int(1, 10)
  ),
  RELAY_SILENCE_MS: defaultedSetting(
    { name: 'RELAY_SILENCE_MS', production: 'optional', default: '10000', readBy: ['relay'], meaning: 'silence after which the persona speaks up' },
    int(1000, 120_000)
  ),
  RELAY_PREEMPTIVE: defaultedSetting(
    { name: 'RELAY_PREEMPTIVE', production: 'optional', default: 'on', readBy: ['relay'], meaning: 'on starts the LLM on the callee\'s words before their turn ends (kept only if the words stay the same)' },
    oneOf(['on', 'off'] as const)
  ),
  RELAY_UNFINISHED_HOLD_MS: defaultedSetting(
    { name: 'RELAY_UNFINISHED_HOLD_MS', production: 'optional', default: '700', readBy: ['relay'], meaning: 'extra wait for more words when the callee\'s sentence sounds unfinished ("and", "the", "um")' },
    int(0, 5000)
  ),
  RELAY_ACK_AFTER_MS: defaultedSetting(
    { name: 'RELAY_ACK_AFTER_MS', production: 'optional', default: '600', readBy: ['relay'], meaning: 'with no word of the answer by then, a short acknowledgement plays first (0 = never)' },
    int(0, 10_000)
  ),
  RELAY_MAX_CALL_SECONDS: defaultedSetting(
    {
      name: 'RELAY_MAX_CALL_SECONDS', production: 'optional', default: String(MAX_CALL_SECONDS), readBy: ['relay'],
      meaning: 'a lower cap on every call than the product\'s 30 minutes; each call also ends at its own limit'
    },
    int(10, MAX_CALL_SECONDS)
  ),
  RELAY_CALL_STORE: defaultedSetting(
    { name: 'RELAY_CALL_STORE', production: 'optional', default: 'postgres', readBy: ['relay'], meaning: 'postgres, or memory (tests and benchmarks only: nothing is settled)' },
    oneOf(['postgres', 'memory'] as const)
  ),
  RELAY_TWILIO_SIGNATURE: defaultedSetting(
    { name: 'RELAY_TWILIO_SIGNATURE', production: 'optional', default: 'on', readBy: ['relay'], meaning: 'off skips Twilio\'s signature on the stream (tests only)' },
    oneOf(['on', 'off'] as const)
  ),
  TWILIO_AUTH_TOKEN_PREVIOUS,
  SUPABASE_URL,
  SUPABASE_PUBLISHABLE_KEY,
  SUPABASE_ANON_KEY
};

/** Read only in the configuration that needs them. */
const CONDITIONAL_SETTINGS = {
  DATABASE_URL: requiredSetting(
    {
      name: 'DATABASE_URL', production: 'required', requiredWhen: 'RELAY_CALL_STORE is postgres (the default)', secret: true, readBy: ['relay'],
      meaning: 'the project\'s Postgres for calls, transcripts and costs (through the pooler in session mode, or direct)'
    },
    url(['postgres:', 'postgresql:'])
  ),
  TWILIO_AUTH_TOKEN,
  RELAY_STREAM_URL
};

export const RELAY_ALL_SETTINGS = { ...RELAY_SETTINGS, ...CONDITIONAL_SETTINGS };

export type RelaySettings = SettingsOf<typeof RELAY_SETTINGS>;

/**
 * The LLM endpoints the settings ask for: the primary answers to the LLM_* names, or to the vendor's own key name
 * (CEREBRAS_API_KEY, OPENAI_API_KEY); `keySettings` says which name each key came from.
 */
export function llmEndpoints(s: RelaySettings): {
  primary: LlmEndpoint;
  fallback: LlmEndpoint | null;
  keySettings: { primary: string; fallback: string | null };
  problems: string[];
} {
  const problems: string[] = [];
  const endpoint = (prefix: 'LLM' | 'LLM_FALLBACK', provider: LlmProvider): { endpoint: LlmEndpoint; keySetting: string } => {
    const d = LLM_DEFAULTS[provider];
    const primary = prefix === 'LLM';
    const own = primary ? s.LLM_API_KEY : s.LLM_FALLBACK_API_KEY;
    const apiKey = own ?? (provider === 'cerebras' ? s.CEREBRAS_API_KEY : s.OPENAI_API_KEY) ?? '';
    if (!apiKey) problems.push(`${prefix}_API_KEY or ${d.keyName} is required (the ${primary ? 'primary' : 'fallback'} LLM, ${provider}).`);
    const model = (primary ? s.LLM_MODEL : s.LLM_FALLBACK_MODEL) ?? d.model;
    const effort = primary ? s.LLM_REASONING_EFFORT : s.LLM_FALLBACK_REASONING_EFFORT;
    const baseUrl = (primary ? s.LLM_BASE_URL : s.LLM_FALLBACK_BASE_URL) ?? d.baseUrl;
    return {
      endpoint: { provider, baseUrl, apiKey, model, maxCompletionTokens: s.LLM_MAX_COMPLETION_TOKENS, reasoningEffort: effort ?? defaultReasoningEffort(model) },
      keySetting: own ? `${prefix}_API_KEY` : d.keyName
    };
  };
  const llmProvider = s.LLM_PROVIDER ?? 'cerebras';
  const primary = endpoint('LLM', llmProvider);
  const fallbackProvider = s.LLM_FALLBACK_PROVIDER ?? OTHER_LLM[llmProvider];
  const fallback = fallbackProvider === 'none' ? null : endpoint('LLM_FALLBACK', fallbackProvider);
  return {
    primary: primary.endpoint,
    fallback: fallback?.endpoint ?? null,
    keySettings: { primary: primary.keySetting, fallback: fallback?.keySetting ?? null },
    problems
  };
}

export function loadConfig(env: Env = process.env): RelayConfig {
  const { values: s, problems } = readSettings(RELAY_SETTINGS, env);
  const when = <S extends Record<string, AnySetting>>(settings: S) => {
    const r = readSettings(settings, env);
    problems.push(...r.problems);
    return r.values;
  };

  const llm = llmEndpoints(s);
  problems.push(...llm.problems);
  const { primary, fallback } = llm;

  const databaseUrl = s.RELAY_CALL_STORE === 'memory' ? null : when(pick(CONDITIONAL_SETTINGS, ['DATABASE_URL'])).DATABASE_URL;

  const config: RelayConfig = {
    host: s.RELAY_HOST,
    port: s.RELAY_PORT,
    maxPayloadBytes: s.RELAY_MAX_PAYLOAD_BYTES,
    startTimeoutMs: s.RELAY_START_TIMEOUT_MS,
    streamTokenSecret: s.RELAY_STREAM_TOKEN_SECRET,
    stt: {
      provider: 'deepgram',
      baseUrl: s.DEEPGRAM_BASE_URL,
      apiKey: s.DEEPGRAM_API_KEY,
      model: s.DEEPGRAM_MODEL,
      endpointingMs: s.STT_ENDPOINTING_MS,
      utteranceEndMs: s.STT_UTTERANCE_END_MS,
      keyterms: s.STT_KEYTERMS ?? []
    },
    llm: { ...primary, maxRetries: s.LLM_MAX_RETRIES, firstTokenTimeoutMs: s.LLM_FIRST_TOKEN_TIMEOUT_MS, fallback },
    tts: {
      provider: 'elevenlabs',
      baseUrl: s.ELEVENLABS_BASE_URL,
      apiKey: s.ELEVENLABS_API_KEY,
      modelId: s.ELEVENLABS_MODEL_ID,
      defaultVoiceId: s.ELEVENLABS_DEFAULT_VOICE_ID
    },
    turns: {
      bargeInSpeechMs: s.RELAY_BARGE_IN_MS,
      bargeInWords: s.RELAY_BARGE_IN_WORDS,
      silenceMs: s.RELAY_SILENCE_MS,
      maxCallSeconds: s.RELAY_MAX_CALL_SECONDS
    },
    answering: { preemptive: s.RELAY_PREEMPTIVE === 'on', unfinishedHoldMs: s.RELAY_UNFINISHED_HOLD_MS, ackAfterMs: s.RELAY_ACK_AFTER_MS },
    databaseUrl: databaseUrl ?? null,
    twilioSignature: null,
    browser: null
  };

  // Twilio's signature is checked unless explicitly switched off: a missing auth token must not quietly open the
  // stream to anyone holding a leaked stream token.
  if (s.RELAY_TWILIO_SIGNATURE !== 'off') {
    const t = when(pick(CONDITIONAL_SETTINGS, ['TWILIO_AUTH_TOKEN', 'RELAY_STREAM_URL']));
    const authTokens = [t.TWILIO_AUTH_TOKEN, s.TWILIO_AUTH_TOKEN_PREVIOUS].filter((x): x is string => Boolean(x));
    if (t.TWILIO_AUTH_TOKEN && t.RELAY_STREAM_URL) config.twilioSignature = { authTokens, streamUrl: t.RELAY_STREAM_URL };
  }

  // The project's publishable key (what hosted projects hand out now), or a legacy anon key.
  const anonKey = s.SUPABASE_PUBLISHABLE_KEY ?? s.SUPABASE_ANON_KEY;
  if (s.SUPABASE_URL || anonKey) {
    if (!s.SUPABASE_URL) problems.push('SUPABASE_URL is required when SUPABASE_PUBLISHABLE_KEY is set (the browser stream asks Auth about tokens).');
    if (!anonKey && !problems.some((p) => p.startsWith('SUPABASE_PUBLISHABLE_KEY') || p.startsWith('SUPABASE_ANON_KEY'))) {
      problems.push('SUPABASE_PUBLISHABLE_KEY (or a legacy SUPABASE_ANON_KEY) is required when SUPABASE_URL is set (the browser stream asks Auth about tokens).');
    }
    if (s.SUPABASE_URL && anonKey) config.browser = { supabaseUrl: s.SUPABASE_URL, anonKey };
  }
  if (config.browser && !config.databaseUrl) {
    problems.push('DATABASE_URL is required when the browser stream is on (SUPABASE_URL): calls are checked and completed in the database.');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
