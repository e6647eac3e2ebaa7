-- One allowance per call, in SQL: what "call now" may hold, how long the call may last, and where the relay warns
-- and cuts it off. calls-create (place_call.ts), the credit reservation and the relay (loadCall, and every usage
-- report through record_usage) all read private.call_allowance; none of them does budget arithmetic of its own.
--
-- The allowance of a new call is the smallest of the per-call cap, what is left of the monthly cap (when the user
-- asked for the cut-off; demo calls spend nothing of the month) and, for credits, the available balance. The call
-- holds (and may cost) at most that, and no more than a typical call of the length asked for would cost
-- (private.estimate_call_cents). Its time limit is the longest the hold could pay for at the least a call costs per
-- second (the line and speech-to-text run all the time; the persona's speech and the LLM only when used), so the
-- time limit never ends a call whose money is not spent: the relay ends it at the cut-off point from the running
-- charge. (A time limit priced at a typical call's rate ended an $0.08 call after 60 s, at 38 % of its cap.)

-- A typical call's usage per second, for estimates before the call (the relay meters the real usage):
--   speech-to-text hears every second; the persona speaks half the time at 900 characters a minute (7.5 a second);
--   about 6 LLM turns a minute each re-sending ~1,500 tokens (150 input tokens a second); the reply is the spoken
--   text at ~4 characters a token. LLM on Cerebras, STT on Deepgram, TTS on ElevenLabs, as configured by default.
create or replace function private.estimate_call_cents(p_seconds integer, p_telephony boolean, p_at timestamptz default pg_catalog.now())
returns numeric
language sql
stable
set search_path = ''
as $$
  with q as (
    select greatest(coalesce(p_seconds, 0), 0) as s,
           pg_catalog.ceil(7.5 * greatest(coalesce(p_seconds, 0), 0)::numeric) as tts
  )
  select private.line_charge_cents(private.call_line_legs(case when p_telephony then 'phone' else 'browser' end, false), q.s, p_at)
       + (select charge_cents from private.price_usage('deepgram', 'stt_seconds', q.s, null, p_at))
       + (select charge_cents from private.price_usage('cerebras', 'llm_input_tokens', (150 * q.s)::numeric, null, p_at))
       + (select charge_cents from private.price_usage('cerebras', 'llm_output_tokens', pg_catalog.ceil(q.tts / 4), null, p_at))
       + (select charge_cents from private.price_usage('elevenlabs', 'tts_characters', q.tts, null, p_at))
  from q
$$;
comment on function private.estimate_call_cents(integer, boolean, timestamptz) is
  'What a typical call of p_seconds costs with markup, in cents (sub-cent): the line (phone), STT, LLM and TTS at '
  'a relaxed conversation''s usage. For the estimate shown before a call and the hold.';

-- The least a call of p_seconds costs: what runs whether anyone speaks or not (the line, speech-to-text).
create or replace function private.least_call_cents(p_seconds integer, p_legs text[], p_at timestamptz default pg_catalog.now())
returns numeric
language sql
stable
set search_path = ''
as $$
  select private.line_charge_cents(p_legs, greatest(coalesce(p_seconds, 0), 0), p_at)
       + (select charge_cents from private.price_usage('deepgram', 'stt_seconds', greatest(coalesce(p_seconds, 0), 0), null, p_at))
$$;

-- The longest whole-second call, at most p_max_seconds, whose least cost fits in p_cents. The least cost never
-- decreases with the duration, so a binary search finds the boundary.
create or replace function private.seconds_for_cents(p_cents numeric, p_legs text[], p_max_seconds integer, p_at timestamptz default pg_catalog.now())
returns integer
language plpgsql
stable
set search_path = ''
as $$
declare
  v_lo  integer := 0;
  v_hi  integer := greatest(coalesce(p_max_seconds, 0), 0);
  v_mid integer;
begin
  if p_cents is null or p_cents <= 0 then
    return 0;
  end if;
  if pg_catalog.ceil(private.least_call_cents(v_hi, p_legs, p_at)) <= p_cents then
    return v_hi;
  end if;
  while v_hi - v_lo > 1 loop
    v_mid := (v_lo + v_hi) / 2;
    if pg_catalog.ceil(private.least_call_cents(v_mid, p_legs, p_at)) <= p_cents then
      v_lo := v_mid;
    else
      v_hi := v_mid;
    end if;
  end loop;
  return v_lo;
end;
$$;

-- The allowance. For a new call (p_call_id null): every limit, the hold, the time limit, and the refusal when not
-- even a one-minute call fits (codes and sentences as calls-create answers them). For a placed call (p_call_id):
-- its own hold counts as its money, not as spent, and the cut-off point is the smallest of the hold and the limits
-- as they are now (a limit lowered during the call ends it sooner).
-- Whole cents as dollars for the sentences people read: 1234 -> $12.34.
create or replace function private.dollars(p_cents numeric)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select '$' || pg_catalog.to_char(p_cents / 100.0, 'FM999,999,990.00')
$$;

create or replace function private.call_allowance(
  p_user_id uuid, p_payment_method text, p_telephony boolean, p_requested_seconds integer default null,
  p_call_id uuid default null)
returns table (
  per_call_cents          integer,
  monthly_remaining_cents integer,
  credits_cents           bigint,
  binding                 text,
  binding_cents           bigint,
  one_minute_cents        integer,
  estimate_cents          integer,
  hold_cents              integer,
  cutoff_cents            integer,
  warn_percent            integer,
  warn_cents              integer,
  max_seconds             integer,
  refusal                 text,
  refusal_message         text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_call      public.calls;
  v_budget    public.user_budget_settings;
  v_tz        text;
  v_start     timestamptz;
  v_end       timestamptz;
  v_spent     bigint := 0;
  v_held      bigint := 0;
  v_own       bigint;
  v_monthly   bigint;
  v_credits   bigint;
  v_bind      text;
  v_bind_c    bigint;
  v_requested integer;
  v_legs      text[];
  v_one       integer;
  v_estimate  integer;
  v_hold      bigint;
  v_cutoff    bigint;
  v_refusal   text;
  v_sentence  text;
begin
  if p_call_id is not null then
    select * into v_call from public.calls c where c.id = p_call_id and c.user_id = p_user_id;
    if not found then
      return;
    end if;
  end if;
  select * into v_budget from public.user_budget_settings b where b.user_id = p_user_id;
  select u.timezone into v_tz from public.users u where u.id = p_user_id;
  select m.month_start, m.month_end into v_start, v_end from private.budget_month(v_tz) m;
  select s.spent_cents, s.reserved_cents into v_spent, v_held from private.month_spend(p_user_id, v_start, v_end) s;
  if v_call.id is not null then
    v_own := case when v_call.payment_status = 'reserved' then v_call.reserved_credits
                  when v_call.payment_status = 'authorized' then v_call.estimated_cost_cents end;
  end if;
  if v_budget.user_id is not null and v_budget.enable_auto_cutoff and p_payment_method <> 'demo' then
    v_monthly := v_budget.max_monthly_spend_cents - v_spent - v_held
      + case when v_call.created_at >= v_start and v_call.created_at < v_end then coalesce(v_own, 0) else 0 end;
  end if;
  if p_payment_method = 'credits' and (v_call.id is null or v_call.payment_status = 'pending') then
    select c.available_credits into v_credits from public.user_credits c where c.user_id = p_user_id;
  end if;

  -- The limit that binds, first in this order on a tie: per call, month, balance.
  select l.code, l.cents into v_bind, v_bind_c
    from (values (1, 'budget_exceeded_per_call', v_budget.max_cost_per_call_cents::bigint),
                 (2, 'budget_exceeded_monthly', v_monthly),
                 (3, 'insufficient_credits', v_credits)) l(rank, code, cents)
   where l.cents is not null
   order by l.cents, l.rank
   limit 1;

  if v_call.id is not null then
    -- A placed call: its time limit and estimate were fixed when it was placed.
    v_cutoff := least(v_bind_c, v_own);
    if v_cutoff is not null then
      v_cutoff := greatest(v_cutoff, 0);
    end if;
    return query select v_budget.max_cost_per_call_cents, v_monthly::integer, v_credits, v_bind, v_bind_c,
      null::integer, v_call.estimated_cost_cents, coalesce(v_own, 0)::integer, v_cutoff::integer, v_budget.warn_at_percent_per_call,
      pg_catalog.ceil(v_cutoff * v_budget.warn_at_percent_per_call / 100.0)::integer, v_call.max_duration_seconds,
      null::text, null::text;
    return;
  end if;

  v_requested := least(coalesce(p_requested_seconds, private.max_call_seconds()), private.max_call_seconds());
  v_legs := private.call_line_legs(case when p_telephony then 'phone' else 'browser' end, false);
  v_one := pg_catalog.ceil(private.estimate_call_cents(60, p_telephony));
  v_estimate := pg_catalog.ceil(private.estimate_call_cents(v_requested, p_telephony));
  if v_bind is not null and pg_catalog.ceil(private.estimate_call_cents(least(60, v_requested), p_telephony)) > v_bind_c then
    v_refusal := v_bind;
    -- Limits are set in dollars, so they are told in dollars; a balance is told in credits (1 credit = 1 cent).
    v_sentence := case v_bind
      when 'budget_exceeded_per_call' then format(
        'Even a one-minute call costs about %s, more than your per-call limit of %s. Raise the limit in Budget settings.',
        private.dollars(v_one), private.dollars(v_budget.max_cost_per_call_cents))
      when 'budget_exceeded_monthly' then format(
        'Only %s of your monthly limit is left, and a one-minute call costs about %s. Raise the limit in Budget settings or wait until next month.',
        private.dollars(greatest(v_monthly, 0)), private.dollars(v_one))
      else format('You have %s credits and a one-minute call costs about %s credits. Buy a credit pack or pay by card.', v_credits, v_one)
    end;
  end if;
  v_cutoff := greatest(least(v_estimate, v_bind_c), 0);
  v_hold := case when p_payment_method = 'demo' then 0 else v_cutoff end;
  return query select v_budget.max_cost_per_call_cents, v_monthly::integer, v_credits, v_bind, v_bind_c, v_one, v_estimate,
    v_hold::integer, v_cutoff::integer, v_budget.warn_at_percent_per_call,
    pg_catalog.ceil(v_cutoff * v_budget.warn_at_percent_per_call / 100.0)::integer,
    case when v_refusal is null then least(v_requested, private.seconds_for_cents(v_cutoff, v_legs, v_requested)) else 0 end,
    v_refusal, v_sentence;
end;
$$;
comment on function private.call_allowance(uuid, text, boolean, integer, uuid) is
  'A call''s allowance in cents: per-call cap, monthly remainder (auto cut-off on, not demo; the call''s own hold '
  'added back), available credits (credits calls not yet held), the binding limit, a one-minute and the requested '
  'call''s estimate, the hold (0 for demo), the cut-off and warn points, the time limit in seconds, and the refusal '
  '(budget_exceeded_per_call, budget_exceeded_monthly, insufficient_credits) with its sentence when not even a '
  'one-minute call fits. p_call_id: the allowance of a placed call. Service role only.';

-- What the relay reports: usage quantities (never prices), idempotent by key, each priced by private.price_usage
-- at the moment it happened. Returns the call's running charge (recorded events, plus the line for p_line_seconds
-- while Twilio has not reported its minutes) and the allowance's warn and cut-off points as they are now.
-- p_events: [{"key": "...", "service": "deepgram", "usage": "stt_seconds", "quantity": 12.5, "model": "nova-3",
--              "occurred_at": "2026-12-11T10:00:00Z"}, ...]
create or replace function private.record_usage(p_call_id uuid, p_events jsonb default '[]'::jsonb, p_line_seconds numeric default null)
returns table (charge_cents numeric, warn_cents integer, cutoff_cents integer, recorded integer, unpriced integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_call      public.calls;
  v_recorded  integer := 0;
  v_unpriced  integer := 0;
  v_charge    numeric;
  v_allowance record;
begin
  select * into v_call from public.calls c where c.id = p_call_id;
  if not found then
    perform private.money_error('unknown_call', 'That call does not exist.');
  end if;
  if p_events is not null and jsonb_typeof(p_events) <> 'array' then
    perform private.money_error('usage_invalid', 'Usage is reported as a JSON array of events.');
  end if;

  with e as (
    select x.key, x.service, x.usage, x.quantity, left(coalesce(x.model, ''), 100) as model,
           coalesce(x.occurred_at, pg_catalog.now()) as occurred_at
      from jsonb_to_recordset(coalesce(p_events, '[]'::jsonb))
             as x(key text, service text, usage text, quantity numeric, model text, occurred_at timestamptz)
     where x.quantity > 0 and x.service <> 'twilio'   -- Twilio's minutes come from Twilio (record_twilio_minutes)
  ), priced as (
    select e.*, p.rate_id, p.billed_quantity, p.cost_usd
      from e, lateral private.price_usage(e.service, e.usage, e.quantity, e.model, e.occurred_at) p
  ), ins as (
    insert into public.call_cost_events
      (call_id, user_id, service, event_type, model, tokens_input, tokens_output, characters, duration_seconds, rate_id,
       cost_usd, idempotency_key, occurred_at)
    select v_call.id, v_call.user_id, p.service, private.cost_event_type(p.usage), nullif(p.model, ''),
           case p.usage when 'llm_input_tokens' then p.quantity::integer when 'llm_output_tokens' then 0 end,
           case p.usage when 'llm_output_tokens' then p.quantity::integer when 'llm_input_tokens' then 0 end,
           case when p.usage = 'tts_characters' then p.quantity::integer end,
           case when p.usage = 'stt_seconds' then pg_catalog.round(p.quantity, 3) end,
           p.rate_id, p.cost_usd, p.key, p.occurred_at
      from priced p
    on conflict (idempotency_key) do nothing
    returning rate_id
  )
  select count(*), count(*) filter (where ins.rate_id is null) into v_recorded, v_unpriced from ins;

  select coalesce(sum(e.calculated_cost_cents), 0) into v_charge from public.call_cost_events e where e.call_id = p_call_id;
  if not exists (select 1 from public.call_cost_events e where e.call_id = p_call_id and e.service = 'twilio') then
    v_charge := v_charge + private.line_charge_cents(
      private.call_line_legs(v_call.mode, v_call.twilio_call_sid is not null), p_line_seconds,
      coalesce(v_call.answered_at, v_call.created_at));
  end if;
  select * into v_allowance
    from private.call_allowance(v_call.user_id, v_call.payment_method, v_call.mode = 'phone' or v_call.twilio_call_sid is not null,
                                v_call.max_duration_seconds, v_call.id);
  return query select v_charge, v_allowance.warn_cents, v_allowance.cutoff_cents, v_recorded, v_unpriced;
end;
$$;
comment on function private.record_usage(uuid, jsonb, numeric) is
  'Records the relay''s usage reports (quantities; idempotent by key; priced in SQL with the rate in force when each '
  'happened) and returns the call''s running charge in cents (sub-cent; the line counted for p_line_seconds until '
  'Twilio reports its minutes) with the warn and cut-off points. Service role only.';

revoke all on function private.estimate_call_cents(integer, boolean, timestamptz) from public, anon, authenticated;
revoke all on function private.least_call_cents(integer, text[], timestamptz) from public, anon, authenticated;
revoke all on function private.seconds_for_cents(numeric, text[], integer, timestamptz) from public, anon, authenticated;
revoke all on function private.call_allowance(uuid, text, boolean, integer, uuid) from public, anon, authenticated;
revoke all on function private.record_usage(uuid, jsonb, numeric) from public, anon, authenticated;
grant execute on function private.call_allowance(uuid, text, boolean, integer, uuid) to service_role;
grant execute on function private.record_usage(uuid, jsonb, numeric) to service_role;
grant execute on function private.estimate_call_cents(integer, boolean, timestamptz) to service_role;
