-- Webhook events that can never be applied (a conflict with what was already applied, a value out of range, an event
-- that names nothing we know) are answered 2xx, so the vendor stops retrying for days, and kept here for a person to
-- look at: what came (source, event, payload as received), why (a stable code and the database's sentence) and when.

create table private.webhook_anomalies (
  id          bigint generated always as identity primary key,
  source      text not null,
  event_id    text,
  event_type  text,
  code        text not null,
  reason      text not null,
  payload     text not null,
  received_at timestamptz not null default now(),
  resolved_at timestamptz,
  constraint webhook_anomalies_source_valid check (source ~ '^[a-z_]{1,40}$'),
  constraint webhook_anomalies_code_valid check (code ~ '^[a-z0-9_]{1,60}$'),
  constraint webhook_anomalies_reason_length check (char_length(reason) between 1 and 1000),
  constraint webhook_anomalies_payload_length check (char_length(payload) <= 262144)
);
comment on table private.webhook_anomalies is
  'Webhook events answered 2xx but not applied, for the operator: what (source, event, payload as received), why '
  '(code, reason) and when. Set resolved_at once looked at. Service only.';
comment on column private.webhook_anomalies.payload is
  'The event as received (text, not jsonb: a payload jsonb refuses, e.g. one with \u0000, is kept too).';
create index webhook_anomalies_open_idx on private.webhook_anomalies (received_at desc) where resolved_at is null;
alter table private.webhook_anomalies enable row level security;
revoke all on table private.webhook_anomalies from public, anon, authenticated;
grant select, update (resolved_at) on table private.webhook_anomalies to service_role;

-- Records the anomaly, and for a Stripe event that has an id of Stripe's shape also the failed stripe_events row, so a
-- redelivery of it is a duplicate. Never raises: the event's fields are read as text.
create or replace function private.record_webhook_anomaly(
  p_source text, p_event_id text, p_event_type text, p_code text, p_reason text, p_payload text)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id bigint;
  v_code text := case when p_code ~ '^[a-z0-9_]{1,60}$' then p_code else 'unclassified' end;
begin
  insert into private.webhook_anomalies (source, event_id, event_type, code, reason, payload)
  values (p_source, pg_catalog.left(p_event_id, 255), pg_catalog.left(p_event_type, 255), v_code,
          coalesce(nullif(pg_catalog.left(p_reason, 1000), ''), v_code), pg_catalog.left(p_payload, 262144))
  returning id into v_id;
  if p_source = 'stripe' and p_event_id ~ '^evt_[A-Za-z0-9]+$' then
    begin
      perform private.record_failed_stripe_event(p_payload::jsonb, v_code || ': ' || coalesce(p_reason, ''));
    exception when others then
      null;  -- the anomaly row above is the record; stripe_events cannot hold this payload
    end;
  end if;
  return v_id;
end;
$$;
comment on function private.record_webhook_anomaly(text, text, text, text, text, text) is
  'Keeps a webhook event that was answered 2xx but cannot be applied (private.webhook_anomalies). Service role only.';
revoke all on function private.record_webhook_anomaly(text, text, text, text, text, text) from public, anon, authenticated;
grant execute on function private.record_webhook_anomaly(text, text, text, text, text, text) to service_role;

-- An event that names no user we could ever find (no user reference of a user that exists, no customer id of Stripe's
-- shape) is invalid, not early: only a well-formed customer id we do not know yet may be a race with the customer
-- link, worth Stripe's retries.
create or replace function private.stripe_event_user(p_user_ref text, p_customer text)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if p_user_ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select u.id into v_id from public.users u where u.id = p_user_ref::uuid;
  end if;
  if v_id is null and p_customer is not null then
    select u.id into v_id from public.users u where u.stripe_customer_id = p_customer;
  end if;
  if v_id is null and (p_customer is null or p_customer !~ '^cus_[A-Za-z0-9]{1,250}$') then
    perform private.money_error('event_invalid',
      format('The event names no user we know (user reference %s) and no Stripe customer (got %s).',
             coalesce(pg_catalog.left(p_user_ref, 80), 'none'), coalesce(pg_catalog.left(p_customer, 80), 'none')));
  end if;
  if v_id is null then
    perform private.money_error('unknown_customer',
      format('No user is linked to Stripe customer %s (user reference %s); Stripe will retry this event.',
             p_customer, coalesce(pg_catalog.left(p_user_ref, 80), 'none')));
  end if;
  return v_id;
end;
$$;
