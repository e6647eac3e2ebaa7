-- How a call's charge is explained (price_list, call_charge_lines, call_charges) and the credit history with one
-- line per call (ledger_by_call): what they show after real reservations, settlements and releases, that the
-- running balance adds up however calls and purchases interleave, and who may read them.
begin;
\ir _helpers.psql
select plan(28);

\set ada '''a1111111-1111-4111-8111-111111111111'''
\set bob '''b2222222-2222-4222-8222-222222222222'''
\set call_a '''ca000000-0000-4000-8000-00000000000a'''
\set call_b '''ca000000-0000-4000-8000-00000000000b'''
\set call_c '''ca000000-0000-4000-8000-00000000000c'''
\set call_d '''ca000000-0000-4000-8000-00000000000d'''

select tests.create_onboarded_user(:ada, 'ada@example.com', '{"name":"Ada"}');
select tests.create_onboarded_user(:bob, 'bob@example.com', '{"name":"Bob"}');

create function tests.credit_call(p_id uuid, p_user uuid)
returns uuid language sql as $$
  insert into public.calls (id, user_id, persona_id, mode, payment_method, max_duration_seconds)
  values (p_id, p_user, 'a0000000-0000-4000-8000-000000000001', 'browser', 'credits', 600)
  returning id
$$;

-- Connected, talked for a while, media usage in: ready to settle.
create function tests.finish_call(p_id uuid)
returns void language sql as $$
  update public.calls set status = 'in_progress' where id = p_id;
  update public.calls set status = 'completed', duration_seconds = 96, end_reason = 'user_hung_up',
                          media_ended_at = now() where id = p_id;
$$;

create function tests.cost_event(p_call uuid, p_service text, p_rate uuid, p_cost numeric, p_key text)
returns void language sql as $$
  insert into public.call_cost_events
    (call_id, user_id, service, event_type, duration_seconds, characters, tokens_input, tokens_output, rate_id, cost_usd, idempotency_key)
  select c.id, c.user_id, p_service,
         case p_service when 'deepgram' then 'stt_audio' when 'elevenlabs' then 'tts_characters' else 'llm_completion' end,
         case when p_service = 'deepgram' then 96 end, case when p_service = 'elevenlabs' then 200 end,
         case when p_service = 'cerebras' then 100 end, case when p_service = 'cerebras' then 10 end,
         p_rate, p_cost, p_key
    from public.calls c where c.id = p_call
$$;

select tests.credit_call(:call_a, :ada);
select tests.credit_call(:call_b, :ada);
select tests.credit_call(:call_c, :ada);
select tests.credit_call(:call_d, :ada);
select tests.credit_call('cb000000-0000-4000-8000-000000000001', :bob);

-- Ada's money, interleaved as it happens: a call is held while she buys credits and starts other calls.
select private.reserve_call_credits(:ada, :call_a, 100, 'reserve:a');
select private.grant_credits(:ada, 500, 'purchase', 'stripe:pi:test_a', null, 'pi_test_a', 'Credit pack purchased');
select private.reserve_call_credits(:ada, :call_b, 50, 'reserve:b');
select private.reserve_call_credits(:ada, :call_c, 2, 'reserve:c');
-- Call A: Deepgram and ElevenLabs at the seeded 30 % markup, and one event priced without a rate (no markup).
select tests.cost_event(:call_a, 'deepgram', 'c0000000-0000-4000-8000-000000000003', 0.0123456789, 'a:stt');
select tests.cost_event(:call_a, 'elevenlabs', 'c0000000-0000-4000-8000-000000000004', 0.01, 'a:tts');
select tests.cost_event(:call_a, 'cerebras', null, 0.001, 'a:llm');
select tests.finish_call(:call_a);
select is(private.settle_finished_call(:call_a), 'settled', 'Call A settles through the product''s settlement');
-- Call B never connected: its hold is released.
update public.calls set status = 'canceled' where id = :call_b;
select is(private.settle_finished_call(:call_b), 'released', 'Call B, never connected, is released');
-- Call C cost more than the 2 credits held: the charge is capped at the hold.
select tests.cost_event(:call_c, 'deepgram', 'c0000000-0000-4000-8000-000000000003', 0.05, 'c:stt');
select tests.finish_call(:call_c);
select is(private.settle_finished_call(:call_c), 'settled', 'Call C settles');
-- Call D is still going.
select private.reserve_call_credits(:ada, :call_d, 30, 'reserve:d');
select private.reserve_call_credits(:bob, 'cb000000-0000-4000-8000-000000000001', 40, 'reserve:bob');

select tests.authenticate_as(:ada);

-- The call page: per provider, the cost, the markup and the charge -------------------------------------------
select results_eq(
  $$ select service, markup_percent, provider_cost_usd, charged_usd, event_count from public.call_charge_lines
      where call_id = 'ca000000-0000-4000-8000-00000000000a' order by service $$,
  $$ values ('cerebras'::text, 0.00::numeric, 0.001::numeric, 0.001::numeric, 1),
            ('deepgram', 30.00, 0.0123456789, 0.01604938257, 1),
            ('elevenlabs', 30.00, 0.01, 0.013, 1) $$,
  'Each provider of a call shows its cost, the markup of its rate and the cost with the markup'
);
select results_eq(
  $$ select provider_cost_usd, charged_usd_exact, rounded_up_cents, charged_cents, held_cents, released_cents
       from public.call_charges where call_id = 'ca000000-0000-4000-8000-00000000000a' $$,
  $$ values (0.0233456789::numeric, 0.03004938257::numeric, 4::bigint, 4::bigint, 100::bigint, 96::bigint) $$,
  'A call''s charge is the sum with markup rounded up once to a whole cent; the rest of the hold is released'
);
select is(
  (select charged_cents from public.call_charges where call_id = 'ca000000-0000-4000-8000-00000000000a'),
  (select actual_cost_cents::bigint from public.calls where id = 'ca000000-0000-4000-8000-00000000000a'),
  'The charge shown is what settlement recorded on the call'
);
select results_eq(
  $$ select rounded_up_cents, charged_cents, held_cents, released_cents from public.call_charges
      where call_id = 'ca000000-0000-4000-8000-00000000000c' $$,
  $$ values (7::bigint, 2::bigint, 2::bigint, 0::bigint) $$,
  'A call that cost more than its hold shows the rounded charge and the capped one it was actually charged'
);
select results_eq(
  $$ select charged_cents, held_cents, released_cents from public.call_charges
      where call_id = 'ca000000-0000-4000-8000-00000000000b' $$,
  $$ values (0::bigint, 50::bigint, 50::bigint) $$,
  'A call that never connected is charged nothing and its whole hold is released'
);
select results_eq(
  $$ select charged_cents, held_cents, released_cents from public.call_charges
      where call_id = 'ca000000-0000-4000-8000-00000000000d' $$,
  $$ values (null::bigint, 30::bigint, null::bigint) $$,
  'A call in progress shows its hold and no charge yet'
);

-- The pricing page ----------------------------------------------------------------------------------------------
select results_eq(
  $$ select unit_price_usd, markup_percent, unit_price_charged_usd from public.price_list
      where service = 'deepgram' and rate_key = 'nova-3_streaming' $$,
  $$ values (0.0077::numeric, 30.00::numeric, 0.01001::numeric) $$,
  'The price list shows each price in effect, its markup and the price with the markup'
);

-- The ledger: one line per call ---------------------------------------------------------------------------------
select results_eq(
  $$ select kind, call_id, call_state, change, held_credits, released_credits, balance_after, jsonb_array_length(entries)
       from public.ledger_by_call order by line_id $$,
  $$ values ('signup_grant'::text, null::uuid, null::text, 500::bigint, null::bigint, null::bigint, 500::bigint, 1),
            ('purchase', null, null, 500, null, null, 1000, 1),
            ('call', 'ca000000-0000-4000-8000-00000000000a'::uuid, 'charged', -4, 100, 96, 996, 2),
            ('call', 'ca000000-0000-4000-8000-00000000000b'::uuid, 'released', 0, 50, 50, 996, 2),
            ('call', 'ca000000-0000-4000-8000-00000000000c'::uuid, 'charged', -2, 2, 0, 994, 2),
            ('call', 'ca000000-0000-4000-8000-00000000000d'::uuid, 'held', 0, 30, null, 994, 1) $$,
  'Each call is one line with its net charge; purchases and grants are lines of their own'
);
select is_empty(
  $$ select line_id from (
       select line_id, balance_after, change, lag(balance_after, 1, 0::bigint) over (order by line_id) as before
         from public.ledger_by_call) l
      where balance_after <> before + change $$,
  'Every line''s balance is the previous line''s plus its change, although holds and purchases interleave'
);
select is(
  (select balance_after from public.ledger_by_call order by line_id desc limit 1),
  (select available_credits + reserved_credits - owed_credits from public.user_credits),
  'The newest line''s balance is the account''s credits, counting those held for the call in progress'
);
select is(
  (select available_after from public.ledger_by_call order by line_id desc limit 1),
  (select available_credits from public.user_credits),
  'available_after of the newest line is the spendable balance'
);
select is(
  (select array_agg(e ->> 'type' order by (e ->> 'id')::bigint) from public.ledger_by_call l, jsonb_array_elements(l.entries) e
    where l.call_id = 'ca000000-0000-4000-8000-00000000000a'),
  array['reservation', 'settlement'],
  'A call''s line carries its hold and its settlement beneath it'
);
select is(
  (select -change from public.ledger_by_call where call_id = 'ca000000-0000-4000-8000-00000000000c'),
  (select charged_cents from public.call_charges where call_id = 'ca000000-0000-4000-8000-00000000000c'),
  'The ledger line and the call page show the same charge'
);
select is(
  (select persona_name from public.ledger_by_call where call_id = 'ca000000-0000-4000-8000-00000000000a'),
  'Brad', 'A call''s line names who called'
);
reset role;

-- Who may read what ----------------------------------------------------------------------------------------------
select tests.authenticate_as(:bob);
select is_empty($$ select 1 from public.ledger_by_call where user_id <> auth.uid() $$, 'Another user sees none of Ada''s ledger lines');
select is((select count(*)::int from public.ledger_by_call), 2, 'Bob sees his own lines (welcome credits and his call)');
select is_empty($$ select 1 from public.call_charges where user_id <> auth.uid() $$, 'Another user sees none of Ada''s call charges');
select is_empty($$ select 1 from public.call_charge_lines $$, 'Another user sees none of Ada''s provider lines');
select cmp_ok((select count(*)::int from public.price_list), '>=', 6, 'Any signed-in user reads the price list');
select throws_ok($$ select notes from public.service_rates $$, '42501', null, 'The admins'' notes on prices stay service-only');
reset role;

select tests.authenticate_as_anon();
select throws_ok($$ select 1 from public.ledger_by_call $$, '42501', null, 'anon cannot read the ledger lines');
select throws_ok($$ select 1 from public.call_charges $$, '42501', null, 'anon cannot read call charges');
select throws_ok($$ select 1 from public.call_charge_lines $$, '42501', null, 'anon cannot read provider lines');
select throws_ok($$ select 1 from public.price_list $$, '42501', null, 'anon cannot read the price list');
reset role;

select ok(
  (select bool_and(coalesce('security_invoker=on' = any (c.reloptions), false)) from pg_class c
    where c.oid in ('public.price_list'::regclass, 'public.call_charge_lines'::regclass,
                    'public.call_charges'::regclass, 'public.ledger_by_call'::regclass)),
  'The views read with the caller''s rights (security_invoker), so row-level security applies'
);

select * from finish();
rollback;
