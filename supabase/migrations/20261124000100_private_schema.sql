-- Internal helpers shared by every domain. The `private` schema is not exposed by the Data API, so nothing here
-- can be called through /rest/v1/rpc; trigger functions and check helpers live here.

create schema if not exists private;
comment on schema private is
  'Internal functions (triggers, validators, security-definer helpers). Not exposed through the Data API.';
revoke all on schema private from public;

-- Keeps updated_at honest no matter which client wrote the row.
create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;
comment on function private.set_updated_at() is 'Trigger: stamps updated_at on every update.';

-- IANA zone names only ("Europe/Berlin", "America/New_York", "UTC"). Postgres alone would also accept POSIX
-- strings such as "UTC+5" or abbreviations, whose meaning changes silently, so the shape is checked first.
-- Immutable in practice: the zone database only changes with a server upgrade.
create or replace function private.is_iana_timezone(tz text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
  if tz is null then
    return null;
  end if;
  if tz <> 'UTC' and tz !~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)+$' then
    return false;
  end if;
  perform pg_catalog.timezone(tz, pg_catalog.now());
  return true;
exception
  when invalid_parameter_value then
    return false;
end;
$$;
comment on function private.is_iana_timezone(text) is
  'True when the text is an IANA time zone name the server knows (e.g. Europe/Berlin). Used by check constraints.';
-- Check constraints call it as whichever role writes the row.
grant execute on function private.is_iana_timezone(text) to anon, authenticated, service_role;
