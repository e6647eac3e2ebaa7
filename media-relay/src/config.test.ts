import { describe, expect, it } from 'vitest';
import { MAX_CALL_SECONDS } from '../../core/src/pricing.ts';
import { ConfigError, loadConfig, RELAY_ALL_SETTINGS } from './config.ts';
import { settingInfo } from '../../core/src/settings_schema.ts';

// A legacy anon key as Supabase made them: a JWT whose payload says role "anon".
const LEGACY_ANON = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ role: 'anon' })).toString('base64url')}.sig`;

// Everything production must set, and nothing else.
const FULL = {
  RELAY_STREAM_TOKEN_SECRET: 'x'.repeat(32),
  DATABASE_URL: 'postgresql://relay@db.example.com:5432/postgres',
  DEEPGRAM_API_KEY: 'dg',
  CEREBRAS_API_KEY: 'csk-1',
  OPENAI_API_KEY: 'sk-1',
  ELEVENLABS_API_KEY: 'el',
  TWILIO_AUTH_TOKEN: 'tok',
  RELAY_STREAM_URL: 'wss://relay.example.com/twilio/stream'
};

function problemsOf(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('relay config', () => {
  it('names every missing setting at once, one line each', () => {
    const lines = problemsOf({}).split('\n');
    expect(lines[0]).toBe('media-relay configuration is invalid:');
    for (const key of Object.keys(FULL).filter((k) => k !== 'CEREBRAS_API_KEY' && k !== 'OPENAI_API_KEY')) {
      expect(lines.filter((l) => l.startsWith(`${key} is required`))).toHaveLength(1);
    }
    expect(lines).toContain('LLM_API_KEY or CEREBRAS_API_KEY is required (the primary LLM, cerebras).');
    expect(lines).toContain('LLM_FALLBACK_API_KEY or OPENAI_API_KEY is required (the fallback LLM, openai).');
    expect(lines).toHaveLength(1 + Object.keys(FULL).length);
  });

  it('describes every setting it reads, under the name it reads', () => {
    for (const [name, setting] of Object.entries(RELAY_ALL_SETTINGS)) {
      const info = settingInfo(setting);
      expect(info.name).toBe(name);
      expect(info.readBy).toContain('relay');
      expect(info.meaning.length).toBeGreaterThan(10);
    }
  });

  it('defaults to production: the real vendors, current models, Postgres, Twilio\'s signature checked', () => {
    const c = loadConfig(FULL);
    expect(c.port).toBe(8787);
    // Every interface, as a server in a container needs; devstack asks for 127.0.0.1.
    expect(c.host).toBe('0.0.0.0');
    expect(c.databaseUrl).toBe(FULL.DATABASE_URL);
    expect(c.stt.baseUrl).toBe('wss://api.deepgram.com');
    expect(c.tts.baseUrl).toBe('https://api.elevenlabs.io');
    expect(c.llm).toMatchObject({
      provider: 'cerebras', baseUrl: 'https://api.cerebras.ai/v1', apiKey: 'csk-1', model: 'gpt-oss-120b', reasoningEffort: 'low',
      maxCompletionTokens: 512, firstTokenTimeoutMs: 1500
    });
    expect(c.llm.fallback).toEqual({
      provider: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-1', model: 'gpt-6-luna', reasoningEffort: 'none', maxCompletionTokens: 512
    });
    expect(c.twilioSignature).toEqual({ authTokens: ['tok'], streamUrl: FULL.RELAY_STREAM_URL });
    expect(c.browser).toBeNull();
  });

  it('takes the LLM_* names for the primary and either vendor as primary or fallback', () => {
    const c = loadConfig({ ...FULL, LLM_PROVIDER: 'openai', LLM_API_KEY: 'sk-primary', LLM_MODEL: 'gpt-5.4-mini', LLM_BASE_URL: 'https://gw.example.com/v1/' });
    expect(c.llm).toMatchObject({ provider: 'openai', apiKey: 'sk-primary', model: 'gpt-5.4-mini', baseUrl: 'https://gw.example.com/v1', reasoningEffort: 'none' });
    expect(c.llm.fallback).toMatchObject({ provider: 'cerebras', apiKey: 'csk-1', model: 'gpt-oss-120b', baseUrl: 'https://api.cerebras.ai/v1' });
    const f = loadConfig({
      ...FULL, LLM_FALLBACK_BASE_URL: 'http://127.0.0.1:9/v1', LLM_FALLBACK_MODEL: 'gpt-4.1-mini', LLM_FALLBACK_API_KEY: 'sk-2',
      LLM_FIRST_TOKEN_TIMEOUT_MS: '800', LLM_MAX_COMPLETION_TOKENS: '300', LLM_REASONING_EFFORT: 'medium'
    });
    expect(f.llm).toMatchObject({ firstTokenTimeoutMs: 800, maxCompletionTokens: 300, reasoningEffort: 'medium' });
    // A model that refuses reasoning_effort is not sent one.
    expect(f.llm.fallback).toEqual({ provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-2', model: 'gpt-4.1-mini', reasoningEffort: null, maxCompletionTokens: 300 });
  });

  it('needs the fallback vendor\'s key unless the fallback is switched off by name', () => {
    const { OPENAI_API_KEY: _, ...withoutOpenAi } = FULL;
    expect(problemsOf(withoutOpenAi)).toContain('LLM_FALLBACK_API_KEY or OPENAI_API_KEY is required (the fallback LLM, openai).');
    expect(loadConfig({ ...withoutOpenAi, LLM_FALLBACK_PROVIDER: 'none' }).llm.fallback).toBeNull();
    const { CEREBRAS_API_KEY: __, ...withoutCerebras } = FULL;
    expect(problemsOf(withoutCerebras)).toContain('LLM_API_KEY or CEREBRAS_API_KEY is required (the primary LLM, cerebras).');
  });

  it('keeps calls in memory only when asked to, and then needs no database', () => {
    const { DATABASE_URL: _, ...withoutDb } = FULL;
    expect(problemsOf(withoutDb)).toContain('DATABASE_URL is required: ');
    expect(loadConfig({ ...withoutDb, RELAY_CALL_STORE: 'memory' }).databaseUrl).toBeNull();
    expect(problemsOf({ ...FULL, RELAY_CALL_STORE: 'sqlite' })).toContain('RELAY_CALL_STORE must be "postgres" or "memory", got "sqlite".');
    expect(problemsOf({ ...FULL, DATABASE_URL: 'mysql://db' })).toContain('DATABASE_URL must be a postgres: or postgresql: URL, got "mysql://db".');
  });

  it('refuses malformed values with a sentence naming the setting', () => {
    const message = problemsOf({ ...FULL, RELAY_PORT: 'eighty', DEEPGRAM_BASE_URL: 'http://x', LLM_PROVIDER: 'gemini', RELAY_STREAM_TOKEN_SECRET: 'short', LLM_FIRST_TOKEN_TIMEOUT_MS: '0', LLM_REASONING_EFFORT: 'max' });
    expect(message).toContain('RELAY_PORT must be a port number from 0 to 65535, got "eighty".');
    expect(message).toContain('RELAY_STREAM_TOKEN_SECRET must be at least 32 characters.');
    expect(message).toContain('LLM_PROVIDER must be "cerebras" or "openai", got "gemini".');
    expect(message).toContain('DEEPGRAM_BASE_URL must be a wss: or ws: URL, got "http://x".');
    expect(message.split('\n')).toHaveLength(7);
    expect(message).toContain('LLM_FIRST_TOKEN_TIMEOUT_MS must be a whole number from 100 to 30000, got "0".');
    expect(message).toContain('LLM_REASONING_EFFORT must be "none" or "minimal" or "low" or "medium" or "high", got "max".');
  });

  it('stops calls at the product\'s maximum call length, or lower when set, never higher', () => {
    expect(MAX_CALL_SECONDS).toBe(1800);
    expect(loadConfig(FULL).turns.maxCallSeconds).toBe(MAX_CALL_SECONDS);
    expect(loadConfig({ ...FULL, RELAY_MAX_CALL_SECONDS: '600' }).turns.maxCallSeconds).toBe(600);
    expect(problemsOf({ ...FULL, RELAY_MAX_CALL_SECONDS: '3600' })).toContain(`RELAY_MAX_CALL_SECONDS must be a whole number from 10 to ${MAX_CALL_SECONDS}, got "3600".`);
  });

  it('checks Twilio\'s upgrade signature unless switched off by name, and needs the signed stream URL', () => {
    // During a rotation the previous token still signs, as in the functions.
    expect(loadConfig({ ...FULL, TWILIO_AUTH_TOKEN: 'tok-a', TWILIO_AUTH_TOKEN_PREVIOUS: 'tok-b' }).twilioSignature)
      .toEqual({ authTokens: ['tok-a', 'tok-b'], streamUrl: 'wss://relay.example.com/twilio/stream' });
    expect(problemsOf({ ...FULL, TWILIO_AUTH_TOKEN: 'tok-a, tok-b' })).toContain('TWILIO_AUTH_TOKEN must be one key');
    const { TWILIO_AUTH_TOKEN: _, RELAY_STREAM_URL: __, ...unsigned } = FULL;
    const message = problemsOf(unsigned);
    expect(message).toContain('TWILIO_AUTH_TOKEN is required');
    expect(message).toContain('RELAY_STREAM_URL is required: ');
    expect(loadConfig({ ...unsigned, RELAY_TWILIO_SIGNATURE: 'off' }).twilioSignature).toBeNull();
    expect(problemsOf({ ...FULL, RELAY_STREAM_URL: 'https://relay.example.com/twilio/stream' })).toContain('RELAY_STREAM_URL must be a wss: or ws: URL');
    expect(problemsOf({ ...FULL, RELAY_STREAM_URL: 'wss://relay.example.com/twilio/stream?x=1' })).toContain('RELAY_STREAM_URL must not have a query string');
  });

  it('turns the browser stream on with Supabase Auth settings and a database, all or nothing', () => {
    const on = loadConfig({ ...FULL, SUPABASE_URL: 'http://127.0.0.1:54321/', SUPABASE_ANON_KEY: LEGACY_ANON });
    expect(on.browser).toEqual({ supabaseUrl: 'http://127.0.0.1:54321', anonKey: LEGACY_ANON });
    expect(problemsOf({ ...FULL, SUPABASE_URL: 'http://127.0.0.1:54321' })).toContain('SUPABASE_PUBLISHABLE_KEY (or a legacy SUPABASE_ANON_KEY) is required when SUPABASE_URL is set');
    // The publishable key wins over a legacy anon key; a secret key is refused.
    expect(loadConfig({ ...FULL, SUPABASE_URL: 'https://abc.supabase.co', SUPABASE_PUBLISHABLE_KEY: 'sb_publishable_x', SUPABASE_ANON_KEY: LEGACY_ANON }).browser)
      .toEqual({ supabaseUrl: 'https://abc.supabase.co', anonKey: 'sb_publishable_x' });
    expect(problemsOf({ ...FULL, SUPABASE_URL: 'https://abc.supabase.co', SUPABASE_PUBLISHABLE_KEY: 'sb_secret_x' })).toContain('holds a secret key');
    expect(problemsOf({ ...FULL, SUPABASE_URL: 'http://127.0.0.1:54321', SUPABASE_ANON_KEY: LEGACY_ANON, RELAY_CALL_STORE: 'memory' })).toContain('DATABASE_URL is required when the browser stream is on');
  });
});
