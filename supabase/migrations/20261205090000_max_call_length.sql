-- One maximum call length for the whole product: 30 minutes, as the app offers, the functions place and the relay
-- enforces (core/src/pricing.ts MAX_CALL_SECONDS). The tables allowed up to an hour (templates, scheduled calls) or
-- four hours (calls), so a row could ask for a call nobody would place.
create or replace function private.max_call_seconds() returns integer
language sql immutable parallel safe set search_path = '' as $$ select 1800 $$;
comment on function private.max_call_seconds() is
  'The longest call the product places, in seconds; core/src/pricing.ts MAX_CALL_SECONDS must equal it.';
grant execute on function private.max_call_seconds() to service_role;

update public.call_scenario_templates set default_max_duration_seconds = 1800 where default_max_duration_seconds > 1800;
alter table public.call_scenario_templates drop constraint call_scenario_templates_max_duration_range;
alter table public.call_scenario_templates add constraint call_scenario_templates_max_duration_range
  check (default_max_duration_seconds between 30 and 1800);

update public.scheduled_calls set max_duration_seconds = 1800
 where max_duration_seconds > 1800 and status = 'pending';
alter table public.scheduled_calls drop constraint scheduled_calls_max_duration_range;
-- Past occurrences keep what they recorded; every new or changed row is held to the limit.
alter table public.scheduled_calls add constraint scheduled_calls_max_duration_range
  check (max_duration_seconds between 30 and 1800) not valid;

alter table public.calls drop constraint calls_max_duration_range;
alter table public.calls add constraint calls_max_duration_range
  check (max_duration_seconds between 1 and 1800) not valid;
