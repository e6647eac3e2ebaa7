-- Profiles and revoked sessions.

create table public.users (
  id                 uuid primary key references auth.users (id) on delete cascade,
  email              text,
  name               text,
  phone              text,
  stripe_customer_id text unique,
  timezone           text not null default 'UTC',
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  constraint users_name_length check (char_length(btrim(name)) between 1 and 100),
  constraint users_phone_e164 check (phone ~ '^\+[1-9][0-9]{6,14}$'),
  constraint users_stripe_customer_id_shape check (stripe_customer_id ~ '^cus_[A-Za-z0-9]+$'),
  constraint users_timezone_iana check (private.is_iana_timezone(timezone))
);
comment on table public.users is
  'One profile per account (id = auth.users.id), created by a trigger at sign-up. Passwords live in auth.users. '
  'Deleting the auth user erases the profile and everything the user owns.';
comment on column public.users.email is 'Copy of auth.users.email (lower case), kept in sync by a trigger; null for phone-only accounts.';
comment on column public.users.name is 'Display name the personas use; editable by the user.';
comment on column public.users.phone is 'Primary verified number (E.164), set by the service after phone verification.';
comment on column public.users.stripe_customer_id is 'Stripe Customer (cus_...) created by the service on first payment.';
comment on column public.users.timezone is 'IANA time zone used for schedules and monthly budgets; editable by the user.';

create trigger users_set_updated_at
  before update on public.users
  for each row execute function private.set_updated_at();

alter table public.users enable row level security;

create policy "Users can read their own profile"
  on public.users for select to authenticated
  using (id = (select auth.uid()));

create policy "Users can update their own profile"
  on public.users for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

-- The trigger creates profiles; users may only change their name and time zone.
revoke all on table public.users from anon, authenticated;
grant select on table public.users to authenticated;
grant update (name, timezone) on table public.users to authenticated;


create table public.token_blacklist (
  token_id   uuid primary key,
  -- No foreign key on purpose: an entry must outlive the account, because deleting a user ends its sessions and
  -- their access tokens must stay refused until they expire.
  user_id    uuid not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  constraint token_blacklist_expires_after_creation check (expires_at > created_at)
);
comment on table public.token_blacklist is
  'Signed-out sessions. Access tokens stay valid until they expire, so money-moving paths refuse a JWT whose '
  'session_id is listed here. Filled by a trigger when an auth.sessions row is deleted; service only.';
comment on column public.token_blacklist.token_id is 'The session_id claim of the revoked access tokens (= auth.sessions.id).';
comment on column public.token_blacklist.expires_at is 'When the last access token of the session expires; the row can be purged after this.';
create index token_blacklist_expires_at_idx on public.token_blacklist (expires_at);
create index token_blacklist_user_id_idx on public.token_blacklist (user_id);

alter table public.token_blacklist enable row level security;
-- No policies: only the service role (which bypasses RLS) reads it.
revoke all on table public.token_blacklist from anon, authenticated;

-- Sign-out (and account deletion) delete auth.sessions rows: remember the session until its tokens expire.
create or replace function private.blacklist_ended_session()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.token_blacklist (token_id, user_id, expires_at)
  values (old.id, old.user_id, pg_catalog.now() + interval '1 hour')  -- the access-token lifetime (jwt_expiry 3600)
  on conflict (token_id) do nothing;
  return old;
end;
$$;
comment on function private.blacklist_ended_session() is
  'Trigger on auth.sessions delete: lists the session in public.token_blacklist for the access-token lifetime.';
revoke all on function private.blacklist_ended_session() from public, anon, authenticated;

create trigger on_auth_session_deleted
  after delete on auth.sessions
  for each row execute function private.blacklist_ended_session();

-- Expired entries are useless; purge hourly.
create extension if not exists pg_cron;
select cron.schedule(
  'purge-token-blacklist',
  '17 * * * *',
  $$delete from public.token_blacklist where expires_at < now()$$
);
