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
});
