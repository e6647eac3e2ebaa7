// The User object GoTrue returns (supabase-api.md §2.3), built from auth.users and auth.identities rows.
// Optional fields are left out when null, exactly like GoTrue's `omitempty`.
import { rfc3339 } from './timestamps.ts';

/** auth.users columns as read with timestamps kept as text. */
export interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  email_confirmed_at: string | null;
  invited_at: string | null;
  phone: string | null;
  phone_confirmed_at: string | null;
  confirmation_sent_at: string | null;
  confirmed_at: string | null;
  recovery_sent_at: string | null;
  email_change: string | null;
  email_change_sent_at: string | null;
  phone_change: string | null;
  phone_change_sent_at: string | null;
  reauthentication_sent_at: string | null;
  last_sign_in_at: string | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  created_at: string | null;
  updated_at: string | null;
  banned_until: string | null;
  deleted_at: string | null;
  is_anonymous: boolean;
}

export interface IdentityRow {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: Record<string, unknown> | null;
  provider: string;
  last_sign_in_at: string | null;
  created_at: string | null;
  updated_at: string | null;
  email: string | null;
}

type Json = Record<string, unknown>;

function put(out: Json, key: string, value: unknown): void {
  if (value !== undefined && value !== null && value !== '') out[key] = value;
}

export function identityJson(row: IdentityRow): Json {
  const out: Json = { identity_id: row.id, id: row.provider_id, user_id: row.user_id };
  if (row.identity_data) out.identity_data = row.identity_data;
  out.provider = row.provider;
  put(out, 'last_sign_in_at', rfc3339(row.last_sign_in_at));
  out.created_at = rfc3339(row.created_at) ?? '0001-01-01T00:00:00Z';
  out.updated_at = rfc3339(row.updated_at) ?? '0001-01-01T00:00:00Z';
  put(out, 'email', row.email);
  return out;
}

export function userJson(row: UserRow, identities: IdentityRow[]): Json {
  const out: Json = { id: row.id, aud: row.aud ?? '', role: row.role ?? '', email: row.email ?? '' };
  put(out, 'email_confirmed_at', rfc3339(row.email_confirmed_at));
  put(out, 'invited_at', rfc3339(row.invited_at));
  out.phone = row.phone ?? '';
  put(out, 'phone_confirmed_at', rfc3339(row.phone_confirmed_at));
  put(out, 'confirmation_sent_at', rfc3339(row.confirmation_sent_at));
  put(out, 'confirmed_at', rfc3339(row.confirmed_at));
  put(out, 'recovery_sent_at', rfc3339(row.recovery_sent_at));
  put(out, 'new_email', row.email_change);
  put(out, 'email_change_sent_at', rfc3339(row.email_change_sent_at));
  put(out, 'new_phone', row.phone_change);
  put(out, 'phone_change_sent_at', rfc3339(row.phone_change_sent_at));
  put(out, 'reauthentication_sent_at', rfc3339(row.reauthentication_sent_at));
  put(out, 'last_sign_in_at', rfc3339(row.last_sign_in_at));
  out.app_metadata = row.raw_app_meta_data ?? {};
  out.user_metadata = row.raw_user_meta_data ?? {};
  out.identities = identities.map(identityJson);
  out.created_at = rfc3339(row.created_at) ?? '0001-01-01T00:00:00Z';
  out.updated_at = rfc3339(row.updated_at) ?? '0001-01-01T00:00:00Z';
  put(out, 'banned_until', rfc3339(row.banned_until));
  put(out, 'deleted_at', rfc3339(row.deleted_at));
  out.is_anonymous = row.is_anonymous;
  return out;
}
