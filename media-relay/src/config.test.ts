import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const FULL = {
  RELAY_STREAM_TOKEN_SECRET: 'x'.repeat(32),
  DEEPGRAM_API_KEY: 'dg',
  LLM_API_KEY: 'llm',
  ELEVENLABS_API_KEY: 'el'
};

describe('relay config', () => {
  it('names every missing key at once', () => {
    try {
      loadConfig({});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join(' ');
      for (const key of Object.keys(FULL)) expect(problems).toContain(key);
    }
  });

  it('applies defaults and picks the LLM base URL from the provider', () => {
    const c = loadConfig({ ...FULL, LLM_PROVIDER: 'openai' });
    expect(c.port).toBe(8787);
    expect(c.llm).toMatchObject({ provider: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' });
    expect(c.stt.baseUrl).toBe('wss://api.deepgram.com');
    expect(loadConfig(FULL).llm.baseUrl).toBe('https://api.cerebras.ai/v1');
  });

  it('refuses malformed values with a sentence naming the key', () => {
    let message = '';
    try {
      loadConfig({ ...FULL, RELAY_PORT: 'eighty', DEEPGRAM_BASE_URL: 'http://x', LLM_PROVIDER: 'gemini', RELAY_STREAM_TOKEN_SECRET: 'short' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('RELAY_PORT must be a whole number from 0 to 65535, got "eighty".');
    expect(message).toContain('RELAY_STREAM_TOKEN_SECRET must be at least 32 characters.');
    expect(message).toContain('LLM_PROVIDER must be "openai" or "cerebras", got "gemini".');
    expect(message).toContain('DEEPGRAM_BASE_URL must be a ws: or wss: URL, got "http://x".');
  });

  it('checks Twilio\'s upgrade signature only with an auth token, and then needs the signed stream URL', () => {
    expect(loadConfig(FULL).twilioSignature).toBeNull();
    expect(loadConfig({ ...FULL, TWILIO_AUTH_TOKEN: 'tok-a, tok-b', RELAY_STREAM_URL: 'wss://relay.example.com/twilio/stream' }).twilioSignature)
      .toEqual({ authTokens: ['tok-a', 'tok-b'], streamUrl: 'wss://relay.example.com/twilio/stream' });
    expect(() => loadConfig({ ...FULL, TWILIO_AUTH_TOKEN: 'tok' })).toThrow('RELAY_STREAM_URL is required when TWILIO_AUTH_TOKEN is set');
    expect(() => loadConfig({ ...FULL, TWILIO_AUTH_TOKEN: 'tok', RELAY_STREAM_URL: 'https://relay.example.com/twilio/stream' })).toThrow('RELAY_STREAM_URL must be a ws: or wss: URL');
  });

  it('turns the browser stream on with Supabase Auth settings and a database, all or nothing', () => {
    expect(loadConfig(FULL).browser).toBeNull();
    const on = loadConfig({ ...FULL, SUPABASE_URL: 'http://127.0.0.1:54321/', SUPABASE_ANON_KEY: 'anon', DATABASE_URL: 'postgresql://x' });
    expect(on.browser).toEqual({ supabaseUrl: 'http://127.0.0.1:54321', anonKey: 'anon' });
    expect(() => loadConfig({ ...FULL, SUPABASE_URL: 'http://127.0.0.1:54321', DATABASE_URL: 'postgresql://x' })).toThrow('SUPABASE_ANON_KEY is required when SUPABASE_URL is set');
    expect(() => loadConfig({ ...FULL, SUPABASE_URL: 'http://127.0.0.1:54321', SUPABASE_ANON_KEY: 'anon' })).toThrow('DATABASE_URL is required when the browser stream is on');
  });
});
