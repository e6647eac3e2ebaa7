-- Access tokens stay valid until they expire (an hour), also after their session was signed out. Reads may go on
-- until then, but the writes that lead to spending (booking or rebooking scheduled calls, raising budget caps) need
-- a session that is still live: present in auth.sessions, not past its not_after, and not listed in
-- token_blacklist. The functions already refuse such tokens (_shared/user_session.ts); this closes the same door on
-- REST. It is a trigger rather than a policy because the check reads auth.sessions, which only a security-definer
-- function may do, and such functions in private are never executable by users (01_schema_security); a trigger
-- function is not callable on its own.

create or replace function private.session_is_live(p_session_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
           select 1 from auth.sessions s
            where s.id = p_session_id and (s.not_after is null or s.not_after > pg_catalog.now()))
     and not exists (select 1 from public.token_blacklist b where b.token_id = p_session_id)
$$;
comment on function private.session_is_live(uuid) is
  'True while the session exists in auth.sessions, is within not_after and was not signed out (token_blacklist).';
revoke all on function private.session_is_live(uuid) from public, anon, authenticated;

-- Writes by a signed-in user (a request whose JWT role is authenticated) need a live session; the service's own
-- writes (the scheduled-call dispatcher, sign-up, ledger functions) carry no such claims and pass.
create or replace function private.require_live_session()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_claims jsonb := nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb;
  v_session text := v_claims ->> 'session_id';
begin
  if coalesce(v_claims ->> 'role', '') <> 'authenticated' then
    return new;
  end if;
  if v_session is null
     or v_session !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
     or not private.session_is_live(v_session::uuid) then
    raise exception using
      errcode = '42501',
      message = 'Your session has ended. Sign in again to make this change.',
      detail = pg_catalog.format('The session of this access token was signed out, so it cannot change %s.', tg_table_name),
      hint = 'Sign in again; reading stays possible until the old token expires.';
  end if;
  return new;
end;
$$;
comment on function private.require_live_session() is
  'Trigger: refuses inserts and updates from an authenticated request whose session was signed out or expired.';
revoke all on function private.require_live_session() from public, anon, authenticated;

create trigger scheduled_calls_require_live_session
  before insert or update on public.scheduled_calls
  for each row execute function private.require_live_session();

create trigger user_budget_settings_require_live_session
  before insert or update on public.user_budget_settings
  for each row execute function private.require_live_session();
