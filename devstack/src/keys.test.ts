import { describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import { legacyApiKey } from './keys.ts';
import { CLI_JWT_SECRET } from './config.ts';

// The anon key every `supabase start` prints with the default secret (public knowledge, not a secret).
const CLI_ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';

describe('legacyApiKey', () => {
  it('reproduces the Supabase CLI anon key byte for byte', () => {
    expect(legacyApiKey('anon', CLI_JWT_SECRET)).toBe(CLI_ANON_KEY);
  });

  it('mints a service_role key that verifies with the secret and carries the role', async () => {
    const key = legacyApiKey('service_role', CLI_JWT_SECRET);
    const { payload } = await jwtVerify(key, new TextEncoder().encode(CLI_JWT_SECRET));
    expect(payload.role).toBe('service_role');
    expect(payload.iss).toBe('supabase-demo');
  });

  it('does not verify under another secret', async () => {
    const key = legacyApiKey('anon', 'another-secret-that-is-at-least-32-chars-long');
    await expect(jwtVerify(key, new TextEncoder().encode(CLI_JWT_SECRET))).rejects.toThrow();
  });
});
