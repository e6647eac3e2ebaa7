import { describe, expect, it } from 'vitest';
import { resolveBearer, translateApiKey, type KeySet } from './keys.ts';

const keys: KeySet = { publishableKey: 'sb_publishable_x', secretKey: 'sb_secret_y', anonKey: 'anon.jwt', serviceRoleKey: 'service.jwt' };

describe('key translation', () => {
  it('forwards a user JWT in Authorization unchanged', () => {
    expect(resolveBearer('Bearer user.jwt', 'sb_publishable_x', keys)).toBe('user.jwt');
  });
  it('turns the secret key into the service_role JWT', () => {
    expect(resolveBearer(undefined, 'sb_secret_y', keys)).toBe('service.jwt');
    expect(resolveBearer('Bearer sb_secret_y', null, keys)).toBe('service.jwt');
  });
  it('turns the publishable key into the anon JWT', () => {
    expect(resolveBearer(undefined, 'sb_publishable_x', keys)).toBe('anon.jwt');
  });
  it('passes a legacy JWT apikey through and returns null without any key', () => {
    expect(translateApiKey('legacy.jwt', keys)).toBe('legacy.jwt');
    expect(resolveBearer(undefined, null, keys)).toBeNull();
  });
});
