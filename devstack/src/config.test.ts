import { describe, expect, it } from 'vitest';
import { CLI_JWT_SECRET, loadDevstackConfig } from './config.ts';

describe('devstack configuration', () => {
  it('defaults to the Supabase CLI layout and ports', () => {
    const c = loadDevstackConfig({ DEVSTACK_DIR: '.devstack-config-test-none' });
    expect([c.apiPort, c.dbPort, c.relayPort, c.webPort]).toEqual([54321, 54322, 8787, 5173]);
    expect([c.vendors.twilioPort, c.vendors.llmPort]).toEqual([54340, 54344]);
    expect(c.profile).toBe('default');
    expect(c.legacyKeys).toBe(true);
    expect(c.jwtSecret).toBe(CLI_JWT_SECRET);
    expect([c.demoEmail, c.demoPassword]).toEqual(['demo@callmeback.test', 'call-me-back-demo']);
  });

  it('takes a hosted profile without legacy keys unless asked', () => {
    const c = loadDevstackConfig({ DEVSTACK_DIR: '.devstack-config-test-none', DEVSTACK_PROFILE: 'hosted' });
    expect([c.profile, c.legacyKeys]).toEqual(['hosted', false]);
    expect(loadDevstackConfig({ DEVSTACK_PROFILE: 'hosted', DEVSTACK_LEGACY_KEYS: 'true' }).legacyKeys).toBe(true);
  });

  it('names every bad setting on its own line', () => {
    expect(() => loadDevstackConfig({ DEVSTACK_API_PORT: '99999', DEVSTACK_PROFILE: 'cloud', DEVSTACK_LEGACY_KEYS: 'maybe' })).toThrow(
      'devstack configuration is invalid:\n' +
        'DEVSTACK_PROFILE must be "default" or "hosted", got "cloud".\n' +
        'DEVSTACK_LEGACY_KEYS must be true or false, got "maybe".\n' +
        'DEVSTACK_API_PORT must be a port number from 1 to 65535, got "99999".'
    );
  });
});
