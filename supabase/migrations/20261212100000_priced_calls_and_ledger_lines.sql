-- What a signed-in user needs to check every cent of a call, read through their own row-level security:
--   price_list          the provider prices in effect and the markup on each (the pricing page)
--   call_charge_lines   per call and provider: provider cost, markup, what that part is charged before rounding
--   call_charges        per call: the exact sum, the whole cents it rounds up to, what was charged, held, released
--   ledger_by_call      the credit history with each call folded into one line (its hold and settlement beneath)
-- The views are security_invoker, so each reads only the rows the user's own policies allow. They present what the
-- pricing and settlement functions recorded (call_cost_events.calculated_cost_cents, the settlement's ledger row,
-- calls.actual_cost_cents); they compute no new price.
--
-- Prices become readable to signed-in users: the call page shows the markup applied to each provider and the
-- pricing page the rates in effect. Only the price columns are granted; the admins' notes stay service-only.

grant select (id, service, rate_key, unit, unit_price_usd, markup_percent, effective_from, effective_to, source_url)
  on table public.service_rates to authenticated;

create policy "Signed-in users can read provider prices and the markup"
  on public.service_rates for select to authenticated
  using (true);

comment on table public.service_rates is
  'Provider unit prices and the markup billed to users. Edited by admins in the dashboard: to change a price, set '
  'effective_to on the current row and insert a new one (periods may not overlap), so past calls keep their rate. '
  'Signed-in users may read the price columns (not notes), so the app can show how each call is priced.';


create view public.price_list with (security_invoker = on) as
select r.service, r.rate_key, r.unit, r.unit_price_usd, r.markup_percent,
       r.unit_price_usd * (100 + r.markup_percent) / 100 as unit_price_charged_usd,
       r.effective_from, r.source_url
  from public.service_rates r
 where r.effective_from <= pg_catalog.now() and (r.effective_to is null or r.effective_to > pg_catalog.now());
comment on view public.price_list is
  'Provider prices in effect now with the markup on each, for the pricing page. A call is charged '
  'ceil(sum(provider cost x (1 + markup_percent / 100)) x 100) credits, rounded up once per call.';
comment on column public.price_list.unit_price_usd is 'What the provider charges us per unit, in US dollars.';
comment on column public.price_list.markup_percent is 'Added on top of the provider price, in percent.';
comment on column public.price_list.unit_price_charged_usd is 'unit_price_usd with the markup, before the per-call rounding.';


create view public.call_charge_lines with (security_invoker = on) as
select e.call_id, e.user_id, e.service,
       coalesce(r.markup_percent, 0) as markup_percent,
       sum(e.cost_usd) as provider_cost_usd,
       sum(e.calculated_cost_cents) / 100 as charged_usd,
       count(*)::integer as event_count
  from public.call_cost_events e
  left join public.service_rates r on r.id = e.rate_id
 group by e.call_id, e.user_id, e.service, coalesce(r.markup_percent, 0);
comment on view public.call_charge_lines is
  'One line per call, provider and markup: the provider cost of the call''s usage events and what they are charged '
  'with the markup (call_cost_events.calculated_cost_cents), before the call''s total is rounded up to a whole cent.';
comment on column public.call_charge_lines.markup_percent is 'Markup of the rates that priced these events (0 for events priced without a rate).';
comment on column public.call_charge_lines.provider_cost_usd is 'What the provider charges us, US dollars, exact.';
comment on column public.call_charge_lines.charged_usd is 'provider_cost_usd x (1 + markup_percent / 100), US dollars, exact (not yet rounded).';


create view public.ledger_by_call with (security_invoker = on) as
with tx as (
  select t.*,
         case when t.call_id is not null and t.type in ('reservation', 'settlement') then 'call' else t.type end as kind
    from public.credit_transactions t
)
select max(r.id) as line_id,
       r.user_id,
       r.kind,
       case when r.kind = 'call' then r.call_id end as call_id,
       min(r.created_at) as started_at,
       max(r.created_at) as created_at,
       case when r.kind <> 'call' then null
            when not bool_or(r.type = 'settlement') then 'held'
            when c.payment_status = 'released' then 'released'
            else 'charged' end as call_state,
       sum(r.amount + r.reserved_delta - r.owed_delta)::bigint as change,
       (sum(r.reserved_delta) filter (where r.type = 'reservation'))::bigint as held_credits,
       case when r.kind = 'call' and bool_or(r.type = 'settlement')
            then greatest(sum(r.reserved_delta) filter (where r.type = 'reservation')
                          + sum(r.amount + r.reserved_delta - r.owed_delta), 0)::bigint end as released_credits,
       (array_agg(r.balance_after + r.reserved_after - r.owed_after order by r.id desc))[1] as balance_after,
       (array_agg(r.balance_after order by r.id desc))[1] as available_after,
       (array_agg(r.description order by r.id desc))[1] as description,
       p.name as persona_name,
       jsonb_agg(jsonb_build_object('id', r.id, 'type', r.type, 'amount', r.amount, 'reserved_delta', r.reserved_delta,
                                    'owed_delta', r.owed_delta, 'created_at', r.created_at, 'description', r.description)
                 order by r.id) as entries
  from tx r
  left join public.calls c on r.kind = 'call' and c.id = r.call_id
  left join public.personas p on p.id = c.persona_id
 group by r.user_id, r.kind, case when r.kind = 'call' then r.call_id end,
          case when r.kind = 'call' then null else r.id end, c.payment_status, p.name;
comment on view public.ledger_by_call is
  'The credit history as people read it: one line per call (its hold and its settlement folded into entries) and '
  'one per other movement (purchase, grant, refund, ...), newest line_id last. change is what the line did to the '
  'balance counting held credits as still yours (a call: minus what it was charged; a hold alone: 0), so every '
  'line''s balance_after is the previous line''s plus its change, however calls and purchases interleave.';
comment on column public.ledger_by_call.line_id is 'Id of the line''s newest credit_transactions row; orders the lines.';
comment on column public.ledger_by_call.kind is 'call, or the credit_transactions type of a movement that is not a call''s hold or settlement.';
comment on column public.ledger_by_call.call_state is 'For a call: held (in progress), charged or released (never connected); null otherwise.';
comment on column public.ledger_by_call.change is 'Effect on balance_after: amount + reserved_delta - owed_delta of the rows (a call: minus its charge).';
comment on column public.ledger_by_call.held_credits is 'For a call: the credits reserved when it started.';
comment on column public.ledger_by_call.released_credits is 'For a settled call: the part of the hold given back.';
comment on column public.ledger_by_call.balance_after is 'available + held - owed credits after this line.';
comment on column public.ledger_by_call.available_after is 'Spendable credits right after the line''s newest row.';
comment on column public.ledger_by_call.entries is 'The credit_transactions rows folded into the line, oldest first.';


create view public.call_charges with (security_invoker = on) as
with lines as (
  select l.call_id, sum(l.provider_cost_usd) as provider_cost_usd, sum(l.charged_usd) as charged_usd
    from public.call_charge_lines l
   group by l.call_id
)
select c.id as call_id, c.user_id, c.payment_method, c.payment_status,
       coalesce(l.provider_cost_usd, 0) as provider_cost_usd,
       coalesce(l.charged_usd, 0) as charged_usd_exact,
       pg_catalog.ceil(coalesce(l.charged_usd, 0) * 100)::bigint as rounded_up_cents,
       case when c.payment_method = 'credits' then case when g.call_state <> 'held' then -g.change end
            when c.payment_status in ('settled', 'released') then c.actual_cost_cents::bigint end as charged_cents,
       case when c.payment_method = 'credits' then g.held_credits
            when c.payment_method = 'card' and c.payment_intent_id is not null
              then c.estimated_cost_cents::bigint end as held_cents,
       case when c.payment_method = 'credits' then g.released_credits
            when c.payment_method = 'card' and c.payment_intent_id is not null
                 and c.payment_status in ('settled', 'released')
              then greatest(c.estimated_cost_cents - coalesce(c.actual_cost_cents, 0), 0)::bigint end as released_cents
  from public.calls c
  left join lines l on l.call_id = c.id
  left join public.ledger_by_call g on g.call_id = c.id;
comment on view public.call_charges is
  'What each call cost and why: the exact charge (provider cost with markup, summed), the whole cents it rounds up '
  'to, and, once settled, what was charged (for credits, from the ledger), held and released. charged_cents is '
  'below rounded_up_cents only when the charge was capped at the hold.';
comment on column public.call_charges.charged_usd_exact is 'Sum of call_charge_lines.charged_usd: the charge before rounding.';
comment on column public.call_charges.rounded_up_cents is 'charged_usd_exact rounded up to a whole cent, once per call.';
comment on column public.call_charges.charged_cents is
  'What the call was charged once settled: credits from its ledger rows, card or demo from calls.actual_cost_cents '
  '(a demo call records it but bills nothing). Null until settled.';
comment on column public.call_charges.held_cents is 'Credits reserved for the call, or the amount authorised on the card.';
comment on column public.call_charges.released_cents is 'The part of the hold given back when the call settled.';


revoke all on table public.price_list, public.call_charge_lines, public.call_charges, public.ledger_by_call
  from public, anon, authenticated;
grant select on table public.price_list, public.call_charge_lines, public.call_charges, public.ledger_by_call
  to authenticated, service_role;
