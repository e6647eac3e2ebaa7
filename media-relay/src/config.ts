// The relay's configuration, read once at start-up from the environment and validated as a whole: a bad or
// missing setting stops the process with one message naming every problem. Nothing else reads process.env.

export type LlmProvider = 'openai' | 'cerebras';

export interface RelayConfig {
  host: string;
  port: number;
  /** Largest WebSocket message accepted; Twilio's frames are a few hundred bytes. */
  maxPayloadBytes: number;
  /** A socket that has not sent a valid `start` by then is closed. */
  startTimeoutMs: number;
  streamTokenSecret: string;
  stt: { provider: 'deepgram'; baseUrl: string; apiKey: string; model: string; endpointingMs: number; utteranceEndMs: number; keyterms: string[] };
  llm: { provider: LlmProvider; baseUrl: string; apiKey: string; model: string; maxRetries: number };
  tts: { provider: 'elevenlabs'; baseUrl: string; apiKey: string; modelId: string; defaultVoiceId: string };
  turns: { bargeInSpeechMs: number; bargeInWords: number; silenceMs: number; maxCallSeconds: number };
  /** Postgres for transcripts and cost events; absent = keep them in memory (demo and tests). */
  databaseUrl: string | null;
  /**
   * Twilio's signature on the stream's WebSocket upgrade: checked when TWILIO_AUTH_TOKEN is set (comma-separated
   * for a rotation), over RELAY_STREAM_URL, the address the TwiML gives Twilio. null = not checked.
   */
  twilioSignature: { authTokens: string[]; streamUrl: string } | null;
  /** The browser softphone's stream, admitted by Supabase Auth; null = /browser/stream is off. */
  browser: { supabaseUrl: string; anonKey: string } | null;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`media-relay configuration is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const LLM_DEFAULTS: Record<LlmProvider, { baseUrl: string; model: string }> = {
  openai: { baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' },
  cerebras: { baseUrl: 'https://api.cerebras.ai/v1', model: 'llama-3.3-70b' }
};

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
  const url = (name: string, fallback: string, schemes: string[]): string => {
    const v = str(name, fallback);
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

  const llmProviderRaw = str('LLM_PROVIDER', 'cerebras');
  const llmProvider: LlmProvider = llmProviderRaw === 'openai' || llmProviderRaw === 'cerebras' ? llmProviderRaw : 'cerebras';
  if (llmProviderRaw !== llmProvider) problems.push(`LLM_PROVIDER must be "openai" or "cerebras", got "${llmProviderRaw}".`);

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
      provider: llmProvider,
      baseUrl: url('LLM_BASE_URL', LLM_DEFAULTS[llmProvider].baseUrl, ['http:', 'https:']),
      apiKey: str('LLM_API_KEY'),
      model: str('LLM_MODEL', LLM_DEFAULTS[llmProvider].model),
      maxRetries: int('LLM_MAX_RETRIES', 1, 0, 3)
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
      maxCallSeconds: int('RELAY_MAX_CALL_SECONDS', 900, 10, 14_400)
    },
    databaseUrl: env.DATABASE_URL?.trim() || null,
    twilioSignature: null,
    browser: null
  };

  const authTokens = (env.TWILIO_AUTH_TOKEN ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  if (authTokens.length > 0) {
    const streamUrl = env.RELAY_STREAM_URL?.trim();
    if (!streamUrl) problems.push('RELAY_STREAM_URL is required when TWILIO_AUTH_TOKEN is set: it is the URL Twilio signs when it opens a stream.');
    else {
      const checked = url('RELAY_STREAM_URL', streamUrl, ['ws:', 'wss:']);
      if (!checked.includes('?')) config.twilioSignature = { authTokens, streamUrl: checked };
      else problems.push('RELAY_STREAM_URL must not have a query string (Twilio refuses one on <Stream url>).');
    }
  }

  const supabaseUrl = env.SUPABASE_URL?.trim();
  const anonKey = env.SUPABASE_ANON_KEY?.trim();
  if (supabaseUrl || anonKey) {
    if (!supabaseUrl) problems.push('SUPABASE_URL is required when SUPABASE_ANON_KEY is set (the browser stream asks Auth about tokens).');
    if (!anonKey) problems.push('SUPABASE_ANON_KEY is required when SUPABASE_URL is set (the browser stream asks Auth about tokens).');
    if (supabaseUrl && anonKey) config.browser = { supabaseUrl: url('SUPABASE_URL', supabaseUrl, ['http:', 'https:']), anonKey };
  }
  if (config.browser && !config.databaseUrl) {
    problems.push('DATABASE_URL is required when the browser stream is on (SUPABASE_URL): calls are checked and completed in the database.');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
