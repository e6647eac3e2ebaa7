-- Credits: the balance, the ledger that explains it, and processed Stripe events.
-- 1 credit = 1 US cent. Only the service writes these tables.

create table public.user_credits (
  user_id                  uuid primary key references public.users (id) on delete cascade,
  available_credits        bigint not null default 0,
  reserved_credits         bigint not null default 0,
  subscription_plan        text,
  subscription_status      text,
  stripe_subscription_id   text unique,
  current_period_start     timestamptz,
  current_period_end       timestamptz,
  cancel_at_period_end     boolean not null default false,
  included_monthly_credits integer not null default 0,
  subscription_synced_at   timestamptz,
  created_at               timestamptz not null default now(),
  updated_at               timestamptz not null default now(),
  constraint user_credits_available_nonnegative check (available_credits >= 0),
  constraint user_credits_reserved_nonnegative check (reserved_credits >= 0),
  constraint user_credits_plan_shape check (subscription_plan ~ '^[a-z0-9_]{1,40}$'),
  constraint user_credits_subscription_status_valid check (subscription_status in
    ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')),
  constraint user_credits_subscription_has_plan check (subscription_status is null or subscription_plan is not null),
  constraint user_credits_stripe_subscription_shape check (stripe_subscription_id ~ '^sub_[A-Za-z0-9]+$'),
  constraint user_credits_period_order check (current_period_end > current_period_start),
  constraint user_credits_included_nonnegative check (included_monthly_credits >= 0)
);
comment on table public.user_credits is
  'Per-user balance (1 credit = 1 US cent) and subscription state. Every change to available_credits or '
  'reserved_credits comes with exactly one credit_transactions row; a deferred check rejects the transaction '
  'otherwise. Service only; the owner reads it.';
comment on column public.user_credits.available_credits is 'Spendable credits; never negative.';
comment on column public.user_credits.reserved_credits is 'Credits held for calls in progress; settled or released when each call ends.';
comment on column public.user_credits.subscription_plan is 'Plan key of the active subscription (e.g. plus); null without one.';
comment on column public.user_credits.subscription_status is 'Stripe subscription status as last synced.';
comment on column public.user_credits.stripe_subscription_id is 'Stripe Subscription (sub_...).';
comment on column public.user_credits.current_period_start is 'Start of the paid subscription period.';
comment on column public.user_credits.current_period_end is 'End of the paid subscription period (renewal time).';
comment on column public.user_credits.included_monthly_credits is 'Credits the plan grants at each renewal (invoice.paid).';
comment on column public.user_credits.subscription_synced_at is
  'Stripe timestamp of the newest subscription event applied; older events arriving late are ignored.';

create trigger user_credits_set_updated_at
  before update on public.user_credits
  for each row execute function private.set_updated_at();

alter table public.user_credits enable row level security;

create policy "Users can read their own credit balance"
  on public.user_credits for select to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.user_credits from anon, authenticated;
grant select on table public.user_credits to authenticated;


create table public.credit_transactions (
  id               bigint generated always as identity primary key,
  user_id          uuid not null references public.users (id) on delete cascade,
  type             text not null,
  amount           bigint not null,
  reserved_delta   bigint not null default 0,
  balance_after    bigint not null,
  reserved_after   bigint not null,
  idempotency_key  text not null unique,
  -- Deferred: a call with money history cannot be deleted on its own, yet deleting the whole account (which
  -- removes calls and ledger rows in one statement) still works.
  call_id          uuid references public.calls (id) on delete no action deferrable initially deferred,
  stripe_event_id  text,
  stripe_object_id text,
  description      text,
  created_at       timestamptz not null default now(),
  constraint credit_transactions_type_valid check (type in
    ('signup_grant', 'promo_grant', 'purchase', 'subscription_grant', 'reservation', 'settlement', 'charge',
     'refund', 'expiry', 'adjustment')),
  constraint credit_transactions_moves_something check (amount <> 0 or reserved_delta <> 0),
  -- The sign of each movement follows from its type.
  constraint credit_transactions_grant_shape check (
    type not in ('signup_grant', 'promo_grant', 'purchase', 'subscription_grant') or (amount > 0 and reserved_delta = 0)),
  constraint credit_transactions_reservation_shape check (
    type <> 'reservation' or (amount < 0 and reserved_delta = -amount)),
  constraint credit_transactions_settlement_shape check (
    type <> 'settlement' or (reserved_delta < 0 and amount between 0 and -reserved_delta)),
  constraint credit_transactions_debit_shape check (
    type not in ('charge', 'refund', 'expiry') or (amount < 0 and reserved_delta = 0)),
  constraint credit_transactions_balance_after_nonnegative check (balance_after >= 0),
  constraint credit_transactions_reserved_after_nonnegative check (reserved_after >= 0),
  constraint credit_transactions_idempotency_key_length check (char_length(idempotency_key) between 1 and 200),
  constraint credit_transactions_stripe_event_shape check (stripe_event_id ~ '^evt_[A-Za-z0-9]+$'),
  constraint credit_transactions_description_length check (char_length(description) <= 500),
  constraint credit_transactions_call_types check (type not in ('reservation', 'settlement') or call_id is not null)
);
comment on table public.credit_transactions is
  'Append-only credit ledger: one row per balance change, newest id last. balance_after/reserved_after equal '
  'user_credits after the change, so the latest row always explains the balance. Rows are never updated or '
  'deleted (they go only with the whole account). Service only; the owner reads their own.';
comment on column public.credit_transactions.type is
  'signup_grant, promo_grant, purchase, subscription_grant (credits in); reservation (available -> reserved); '
  'settlement (reserved released, the unused part back to available); charge, refund, expiry (credits out); '
  'adjustment (manual correction).';
comment on column public.credit_transactions.amount is 'Change to available_credits (signed, credits = US cents).';
comment on column public.credit_transactions.reserved_delta is 'Change to reserved_credits (signed). A settlement charges -(amount + reserved_delta).';
comment on column public.credit_transactions.balance_after is 'available_credits right after this row.';
comment on column public.credit_transactions.reserved_after is 'reserved_credits right after this row.';
comment on column public.credit_transactions.idempotency_key is
  'Unique business key of the effect (signup:{user}, reserve:{call}, settle:{call}, stripe:pi:{id}, stripe:inv:{id}); '
  'a replay conflicts instead of moving money twice.';
comment on column public.credit_transactions.stripe_event_id is 'Stripe event (evt_...) that caused the row, if any.';
comment on column public.credit_transactions.stripe_object_id is 'Stripe object behind the row (pi_, in_, ch_, re_, dp_ ...).';
comment on column public.credit_transactions.description is 'Line shown in the user''s history (e.g. "Wake-up call with Brad").';

create index credit_transactions_user_id_idx on public.credit_transactions (user_id, id desc);
create index credit_transactions_call_id_idx on public.credit_transactions (call_id) where call_id is not null;

-- Append-only. The one exception is erasing a deleted account: by then its profile row is already gone.
create or replace function private.forbid_ledger_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and not exists (select 1 from public.users u where u.id = old.user_id) then
    return old;
  end if;
  raise exception 'credit_transactions is append-only: record a correcting row (type adjustment) instead of % on row %.',
    lower(tg_op), old.id
    using errcode = 'restrict_violation';
end;
$$;
comment on function private.forbid_ledger_change() is
  'Trigger: credit_transactions rows are never updated, and deleted only together with their account.';
revoke all on function private.forbid_ledger_change() from public, anon, authenticated;

create trigger credit_transactions_append_only
  before update or delete on public.credit_transactions
  for each row execute function private.forbid_ledger_change();

-- Checked at commit, after every statement of the money operation: the newest ledger row of the user must match
-- the balance. A balance change without its ledger row, or a ledger row without the change, cannot commit.
create or replace function private.check_ledger_matches_balance()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_available bigint;
  v_reserved  bigint;
  v_last      public.credit_transactions;
begin
  select c.available_credits, c.reserved_credits into v_available, v_reserved
  from public.user_credits c where c.user_id = new.user_id;
  if not found then
    return null;  -- account erased in the same transaction
  end if;
  select * into v_last from public.credit_transactions t
  where t.user_id = new.user_id order by t.id desc limit 1;
  if coalesce(v_last.balance_after, 0) <> v_available or coalesce(v_last.reserved_after, 0) <> v_reserved then
    raise exception 'Credit balance of user % (available %, reserved %) does not match the ledger (available %, reserved %): every balance change needs exactly one credit_transactions row.',
      new.user_id, v_available, v_reserved, coalesce(v_last.balance_after, 0), coalesce(v_last.reserved_after, 0)
      using errcode = 'check_violation';
  end if;
  return null;
end;
$$;
comment on function private.check_ledger_matches_balance() is
  'Deferred constraint trigger: the latest credit_transactions row of a user equals their user_credits balance.';
revoke all on function private.check_ledger_matches_balance() from public, anon, authenticated;

create constraint trigger user_credits_match_ledger
  after insert or update of available_credits, reserved_credits on public.user_credits
  deferrable initially deferred
  for each row execute function private.check_ledger_matches_balance();

create constraint trigger credit_transactions_match_balance
  after insert on public.credit_transactions
  deferrable initially deferred
  for each row execute function private.check_ledger_matches_balance();

alter table public.credit_transactions enable row level security;

create policy "Users can read their own credit history"
  on public.credit_transactions for select to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.credit_transactions from anon, authenticated;
grant select on table public.credit_transactions to authenticated;


create table public.stripe_events (
  id                text primary key,
  type              text not null,
  livemode          boolean not null default false,
  stripe_created_at timestamptz,
  payload           jsonb not null,
  status            text not null default 'received',
  error             text,
  received_at       timestamptz not null default now(),
  processed_at      timestamptz,
  constraint stripe_events_id_shape check (id ~ '^evt_[A-Za-z0-9]+$'),
  constraint stripe_events_type_shape check (type ~ '^[a-z_]+(\.[a-z_]+)+$'),
  constraint stripe_events_status_valid check (status in ('received', 'processed', 'ignored', 'failed')),
  constraint stripe_events_processed_has_time check ((status in ('processed', 'ignored')) = (processed_at is not null))
);
comment on table public.stripe_events is
  'Stripe webhook events already handled. The webhook inserts the event id and applies its effect in one '
  'transaction, so a duplicate delivery conflicts on the primary key and changes nothing. Webhook only.';
comment on column public.stripe_events.id is 'Stripe event id (evt_...).';
comment on column public.stripe_events.type is 'Stripe event type, e.g. checkout.session.completed.';
comment on column public.stripe_events.stripe_created_at is 'event.created from Stripe; orders subscription updates that arrive out of order.';
comment on column public.stripe_events.payload is 'The verified event body as received.';
comment on column public.stripe_events.status is 'received, processed, ignored (type we do not act on) or failed.';

create index stripe_events_received_at_idx on public.stripe_events (received_at desc);

alter table public.stripe_events enable row level security;
-- No policies: webhook (service role) only.
revoke all on table public.stripe_events from anon, authenticated;

alter publication supabase_realtime add table public.user_credits;
