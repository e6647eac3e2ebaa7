import { describe, expect, it } from 'vitest';
import { type IdentityRow, type UserRow, userJson } from './user_json.ts';

const ts = '2026-03-04 05:06:07.654321+00';
const row: UserRow = {
  id: '11111111-1111-1111-1111-111111111111', aud: 'authenticated', role: 'authenticated', email: 'ada@example.test',
  email_confirmed_at: ts, invited_at: null, phone: null, phone_confirmed_at: null, confirmation_sent_at: null,
  confirmed_at: ts, recovery_sent_at: null, email_change: '', email_change_sent_at: null, phone_change: '',
  phone_change_sent_at: null, reauthentication_sent_at: null, last_sign_in_at: ts,
  raw_app_meta_data: { provider: 'email', providers: ['email'] }, raw_user_meta_data: { name: 'Ada' },
  created_at: ts, updated_at: ts, banned_until: null, deleted_at: null, is_anonymous: false
};
const identity: IdentityRow = {
  id: '22222222-2222-2222-2222-222222222222', provider_id: row.id, user_id: row.id,
  identity_data: { sub: row.id, email: 'ada@example.test' }, provider: 'email', last_sign_in_at: ts, created_at: ts,
  updated_at: ts, email: 'ada@example.test'
};

describe('user JSON', () => {
  it('matches GoTrue field names, omits empty optionals and renders phone as ""', () => {
    const json = userJson(row, [identity]);
    expect(Object.keys(json)).toEqual([
      'id', 'aud', 'role', 'email', 'email_confirmed_at', 'phone', 'confirmed_at', 'last_sign_in_at', 'app_metadata',
      'user_metadata', 'identities', 'created_at', 'updated_at', 'is_anonymous'
    ]);
    expect(json.phone).toBe('');
    expect(json.email_confirmed_at).toBe('2026-03-04T05:06:07.654321Z');
  });

  it('shows identities with identity_id as the row id and id as the provider id', () => {
    const [ident] = userJson(row, [identity]).identities as Record<string, unknown>[];
    expect(ident).toMatchObject({ identity_id: identity.id, id: row.id, user_id: row.id, provider: 'email', email: 'ada@example.test' });
  });

  it('includes new_email and banned_until only when set', () => {
    const json = userJson({ ...row, email_change: 'new@example.test', banned_until: ts }, []);
    expect(json.new_email).toBe('new@example.test');
    expect(json.banned_until).toBe('2026-03-04T05:06:07.654321Z');
  });
});
