-- The value lists live in enum types; the columns use them and the status helpers agree with the enum order.
begin;
select plan(14);

select is(enum_range(null::public.call_status)::text[],
  array['created', 'queued', 'initiated', 'ringing', 'in_progress', 'completed', 'busy', 'no_answer', 'failed', 'canceled'],
  'Call statuses, active ones first in lifecycle order');
select is(enum_range(null::public.scheduled_call_status)::text[],
  array['pending', 'claimed', 'dispatched', 'completed', 'missed', 'failed', 'canceled'], 'Scheduled-call statuses');
select is(enum_range(null::public.service)::text[], array['twilio', 'deepgram', 'cerebras', 'openai', 'elevenlabs'],
  'Metered services');
select is(enum_range(null::public.rate_unit)::text[], array['minute', 'second', 'character', 'token'], 'Rate units');

select is(
  (select array_agg(s::text order by s) from unnest(enum_range(null::public.call_status)) s
    where private.call_status_is_terminal(s)),
  array['completed', 'busy', 'no_answer', 'failed', 'canceled'], 'Terminal call statuses');
select is(
  (select bool_and(private.call_status_is_active(s) <> private.call_status_is_terminal(s))
     from unnest(enum_range(null::public.call_status)) s),
  true, 'Every call status is either active or terminal');
select is(
  (select array_agg(private.call_status_rank(s) order by s) from unnest(enum_range(null::public.call_status)) s),
  array[0, 1, 2, 3, 4, 5, 5, 5, 5, 5], 'Ranks follow the lifecycle; every ending shares the top rank');
select is(private.call_status_rank('in_progress'::text), 4, 'The text form ranks the same');

select is(
  (select array_agg(table_name || '.' || column_name || ':' || udt_name order by table_name, column_name)
     from information_schema.columns
    where table_schema = 'public' and (table_name, column_name) in
      (('calls', 'status'), ('calls', 'end_reason'), ('calls', 'media_end_reason'), ('scheduled_calls', 'status'))),
  array['calls.end_reason:call_end_reason', 'calls.media_end_reason:call_end_reason', 'calls.status:call_status',
        'scheduled_calls.status:scheduled_call_status'],
  'Status and end-reason columns have the enum types');

select throws_ok($$ update public.calls set status = 'exploded' $$, '22P02', null, 'An unknown call status is rejected');
select throws_ok($$ update public.calls set end_reason = 'bored' $$, '22P02', null, 'An unknown end reason is rejected');
select throws_ok($$ update public.scheduled_calls set status = 'ringing' $$, '22P02', null,
  'A call status is not a scheduled-call status');
select throws_ok($$ update public.service_rates set service = 'acme' $$, '23514', null,
  'An unknown service is rejected by the check against public.service');
select throws_ok($$ update public.service_rates set unit = 'furlong' $$, '23514', null,
  'An unknown unit is rejected by the check against public.rate_unit');

select * from finish();
rollback;
