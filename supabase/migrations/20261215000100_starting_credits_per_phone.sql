-- Starting credits: once per verified phone number, not per account.
--
-- A new account used to get 500 credits the moment it was created, so scripted sign-ups farmed free calls. Now an
-- account earns them only when it has BOTH a confirmed e-mail address and a verified phone number, whichever comes
-- last, and only with a number that never earned them before, for any account, even one deleted since. An account
-- earns them at most once. The grant is an ordinary ledger line (type signup_grant, key signup_grant:<E.164>).
--
-- The numbers that earned a grant are kept as a hash of their E.164 form in private.signup_grant_numbers, which
-- outlives the account (deleting an account removes its numbers and ledger, not this record). The hash keeps no
-- readable number after the account is gone; the number space is small, so it is a pseudonym, not a secret.

create or replace function private.starting_credits()
returns bigint
language sql
immutable
set search_path = ''
as $$ select 500::bigint $$;
comment on function private.starting_credits() is
  'Credits an account gets once it has a confirmed e-mail and a verified phone number that never earned them before.';

create or replace function private.phone_number_hash(p_e164 text)
returns text
language sql
immutable
set search_path = ''
as $$ select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to('signup_grant:' || p_e164, 'UTF8')), 'hex') $$;
comment on function private.phone_number_hash(text) is
  'SHA-256 (hex) of a normalised (E.164) phone number, the key of private.signup_grant_numbers.';

create table if not exists private.signup_grant_numbers (
  number_hash text primary key,
  user_id     uuid references public.users (id) on delete set null,
  granted_at  timestamptz not null default now(),
  constraint signup_grant_numbers_hash_shape check (number_hash ~ '^[0-9a-f]{64}$')
);
comment on table private.signup_grant_numbers is
  'Phone numbers (hashed E.164) that already earned starting credits. Never deleted: a number earns them once, '
  'whatever happens to the account that verified it. Service only.';
comment on column private.signup_grant_numbers.user_id is 'Account that got the credits; null once it is deleted.';
alter table private.signup_grant_numbers enable row level security;
revoke all on table private.signup_grant_numbers from public, anon, authenticated;
grant select on table private.signup_grant_numbers to service_role;

-- Grants the starting credits if the account has just met the conditions. Called after a number is verified and
-- after the e-mail address is confirmed. It locks the user's balance first, so a confirmation and a verification
-- racing for the same account queue here and the later one sees what the earlier one committed; two accounts
-- racing for the same number meet on the primary key of signup_grant_numbers, and only the first one inserts.
create or replace function private.grant_starting_credits(p_user_id uuid)
returns public.credit_transactions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_bal     public.user_credits;
  v_auth    record;
  v_number  text;
  v_claimed text;
  v_amount  bigint := private.starting_credits();
  v_repay   bigint;
begin
  select * into v_bal from public.user_credits where user_id = p_user_id for update;
  if not found then
    return null;   -- the account is being deleted
  end if;
  if exists (select 1 from public.credit_transactions t where t.user_id = p_user_id and t.type = 'signup_grant') then
    return null;   -- one grant per account
  end if;
  select u.email_confirmed_at, coalesce(u.is_anonymous, false) as anonymous into v_auth
    from auth.users u where u.id = p_user_id;
  if v_auth.email_confirmed_at is null or v_auth.anonymous then
    return null;
  end if;
  -- The first number the account verified that never earned a grant (a number shared with an older account
  -- earns nothing, but the account may still earn with another number of its own).
  for v_number in
    select p.phone_number from public.user_phone_numbers p
     where p.user_id = p_user_id order by p.verified_at, p.created_at, p.id
  loop
    insert into private.signup_grant_numbers (number_hash, user_id)
    values (private.phone_number_hash(v_number), p_user_id)
    on conflict (number_hash) do nothing
    returning number_hash into v_claimed;
    if v_claimed is not null then
      v_repay := least(v_amount, v_bal.owed_credits);
      return private.apply_ledger_row(p_user_id, 'signup_grant', v_amount - v_repay, 0, -v_repay,
                                      'signup_grant:' || v_number, null, null, null, 'Welcome credits');
    end if;
  end loop;
  return null;
end;
$$;
comment on function private.grant_starting_credits(uuid) is
  'Grants the starting credits (ledger line signup_grant, key signup_grant:<E.164>) when the account has a '
  'confirmed e-mail, is not anonymous, has no signup grant yet and has a verified number that never earned one. '
  'Otherwise changes nothing and returns null. Idempotent.';
revoke all on function private.grant_starting_credits(uuid) from public, anon, authenticated;
grant execute on function private.grant_starting_credits(uuid) to service_role;

-- One trigger function for both events; its argument names the column that holds the user id.
create or replace function private.grant_starting_credits_trigger()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.grant_starting_credits((pg_catalog.to_jsonb(new) ->> tg_argv[0])::uuid);
  return null;
end;
$$;
comment on function private.grant_starting_credits_trigger() is
  'Trigger: grant_starting_credits for the user in column TG_ARGV[0] of the new row.';
revoke all on function private.grant_starting_credits_trigger() from public, anon, authenticated;

drop trigger if exists user_phone_numbers_grant_starting_credits on public.user_phone_numbers;
create trigger user_phone_numbers_grant_starting_credits
  after insert on public.user_phone_numbers
  for each row execute function private.grant_starting_credits_trigger('user_id');

-- Any update, not "update of email_confirmed_at": Auth may write the whole row.
drop trigger if exists on_auth_user_confirmed on auth.users;
create trigger on_auth_user_confirmed
  after update on auth.users
  for each row
  when ((old.email_confirmed_at is null and new.email_confirmed_at is not null)
        or (coalesce(old.is_anonymous, false) and not coalesce(new.is_anonymous, false)))
  execute function private.grant_starting_credits_trigger('id');

-- New accounts start at zero; the starting credits come from grant_starting_credits.
create or replace function private.handle_new_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_meta jsonb := coalesce(new.raw_user_meta_data, '{}'::jsonb);
  v_name text := nullif(btrim(coalesce(v_meta ->> 'name', v_meta ->> 'full_name', '')), '');
  v_timezone text := v_meta ->> 'timezone';
begin
  if v_timezone is null or not private.is_iana_timezone(v_timezone) then
    v_timezone := 'UTC';
  end if;

  insert into public.users (id, email, name, timezone)
  values (new.id, pg_catalog.lower(new.email), pg_catalog.left(v_name, 100), v_timezone);

  insert into public.user_credits (user_id, available_credits, reserved_credits) values (new.id, 0, 0);

  insert into public.user_budget_settings (user_id) values (new.id);

  return new;
end;
$$;
comment on function private.handle_new_auth_user() is
  'Trigger on auth.users insert: creates users, user_credits (zero: starting credits wait for a confirmed e-mail '
  'and a verified phone number, see grant_starting_credits) and user_budget_settings with defaults.';

-- Numbers of accounts that got the starting credits under the old rule have earned them.
insert into private.signup_grant_numbers (number_hash, user_id)
select distinct on (private.phone_number_hash(p.phone_number)) private.phone_number_hash(p.phone_number), p.user_id
  from public.user_phone_numbers p
 where exists (select 1 from public.credit_transactions t where t.user_id = p.user_id and t.type = 'signup_grant')
 order by private.phone_number_hash(p.phone_number), p.verified_at
on conflict (number_hash) do nothing;

-- What an account still needs before it may call from the browser (and before it earns the starting credits).
create or replace function private.account_verification(p_user_id uuid)
returns table (email_confirmed boolean, phone_verified boolean)
language sql
stable
security definer
set search_path = ''
as $$
  select u.email_confirmed_at is not null and not coalesce(u.is_anonymous, false),
         exists (select 1 from public.user_phone_numbers p where p.user_id = u.id)
    from auth.users u where u.id = p_user_id
$$;
comment on function private.account_verification(uuid) is
  'Whether the account has a confirmed e-mail address (and is not anonymous) and at least one verified phone number.';
revoke all on function private.account_verification(uuid) from public, anon, authenticated;
grant execute on function private.account_verification(uuid) to service_role;
