-- A booking says how it is paid, as "call now" does: credits (or the subscription's credits), a card hold, or the
-- demo allowance in demo mode. Null (bookings made before this) keeps the project's SCHEDULED_CALLS_PAYMENT_METHOD.
-- The next occurrence of a repeating booking inherits it with the rest of the booking.
alter table public.scheduled_calls add column payment_method text
  constraint scheduled_calls_payment_method_valid check (payment_method in ('credits', 'subscription', 'card', 'demo'));
comment on column public.scheduled_calls.payment_method is
  'How the call is paid (credits, subscription, card, demo); null uses the SCHEDULED_CALLS_PAYMENT_METHOD setting.';

create or replace function private.inherit_scheduled_call_payment() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if new.previous_id is not null and new.payment_method is null then
    select s.payment_method into new.payment_method from public.scheduled_calls s where s.id = new.previous_id;
  end if;
  return new;
end;
$$;
revoke all on function private.inherit_scheduled_call_payment() from public, anon, authenticated;

create trigger scheduled_calls_inherit_payment
  before insert on public.scheduled_calls
  for each row execute function private.inherit_scheduled_call_payment();

-- Users choose it when they book (inserts are granted column by column).
grant insert (payment_method) on table public.scheduled_calls to authenticated;
