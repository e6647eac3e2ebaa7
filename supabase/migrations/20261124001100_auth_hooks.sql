-- What happens in public when Auth creates or changes an account.

-- Every new account gets a profile, a small demo balance explained by its ledger row, and default budgets,
-- in the same transaction as the auth.users insert, so no later step ever finds them missing.
create or replace function private.handle_new_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- $5.00 of demo calls; anonymous sign-ins get none, so throwaway sessions cannot farm credits.
  signup_credits bigint := case when coalesce(new.is_anonymous, false) then 0 else 500 end;
  v_meta jsonb := coalesce(new.raw_user_meta_data, '{}'::jsonb);
  v_name text := nullif(btrim(coalesce(v_meta ->> 'name', v_meta ->> 'full_name', '')), '');
  v_timezone text := v_meta ->> 'timezone';
begin
  if v_timezone is null or not private.is_iana_timezone(v_timezone) then
    v_timezone := 'UTC';
  end if;

  insert into public.users (id, email, name, timezone)
  values (new.id, pg_catalog.lower(new.email), pg_catalog.left(v_name, 100), v_timezone);

  insert into public.user_credits (user_id, available_credits, reserved_credits)
  values (new.id, signup_credits, 0);

  if signup_credits > 0 then
    insert into public.credit_transactions
      (user_id, type, amount, reserved_delta, balance_after, reserved_after, idempotency_key, description)
    values
      (new.id, 'signup_grant', signup_credits, 0, signup_credits, 0, 'signup:' || new.id, 'Welcome credits');
  end if;

  insert into public.user_budget_settings (user_id) values (new.id);

  return new;
end;
$$;
comment on function private.handle_new_auth_user() is
  'Trigger on auth.users insert: creates users, user_credits (500 demo credits + signup_grant ledger row; none for '
  'anonymous sign-ins) and user_budget_settings with defaults.';
revoke all on function private.handle_new_auth_user() from public, anon, authenticated;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_auth_user();

-- Email changes are confirmed in Auth; the profile copy follows.
create or replace function private.sync_auth_user_email()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.users set email = pg_catalog.lower(new.email) where id = new.id;
  return new;
end;
$$;
comment on function private.sync_auth_user_email() is 'Trigger on auth.users email change: copies it to public.users.email.';
revoke all on function private.sync_auth_user_email() from public, anon, authenticated;

create trigger on_auth_user_email_changed
  after update of email on auth.users
  for each row
  when (old.email is distinct from new.email)
  execute function private.sync_auth_user_email();
