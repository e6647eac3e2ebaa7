-- Dispatching scheduled calls: the claim takes each due occurrence once and plans its dial second under a global
-- pace, late ones become missed, recurrences get one next occurrence, a stopped dispatcher is tidied up, bookings
-- are validated, and pg_cron wakes the functions. Times are pinned far ahead (p_now) so rows of a live stack
-- never mix in.
begin;
\ir _helpers.psql
select plan(34);

select tests.create_user('5c000000-0000-4000-8000-00000000000a', 'sched-a@example.test');
select tests.create_user('5c000000-0000-4000-8000-00000000000b', 'sched-b@example.test');
insert into public.user_phone_numbers (id, user_id, phone_number, country_code)
values ('5c100000-0000-4000-8000-00000000000a', '5c000000-0000-4000-8000-00000000000a', '+14155550131', 'US'),
       ('5c100000-0000-4000-8000-00000000000b', '5c000000-0000-4000-8000-00000000000b', '+14155550132', 'US');

-- An occurrence for user a (or b) at a time relative to the pinned moment T = 2040-01-02 07:00 UTC.
create function tests.booking(p_id text, p_offset interval, p_recurrence text default 'none', p_user text default 'a',
                              p_status public.scheduled_call_status default 'pending')
returns uuid language sql as $$
  insert into public.scheduled_calls (id, user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time,
                                      recurrence, status)
  values (('5c2' || lpad(p_id, 5, '0') || '-0000-4000-8000-000000000000')::uuid,
          ('5c000000-0000-4000-8000-00000000000' || p_user)::uuid, 'a0000000-0000-4000-8000-000000000001',
          ('5c100000-0000-4000-8000-00000000000' || p_user)::uuid, '2040-01-02 07:00:00+00'::timestamptz + p_offset,
          'Europe/London', '07:00', p_recurrence, p_status)
  returning id
$$;
create function tests.id(p_id text) returns uuid language sql immutable as $$
  select ('5c2' || lpad(p_id, 5, '0') || '-0000-4000-8000-000000000000')::uuid
$$;
create function tests.claim(p_cps numeric default 2, p_now timestamptz default '2040-01-02 07:00:00+00')
returns setof public.scheduled_calls language sql as $$
  select * from private.claim_due_scheduled_calls(p_limit => 100, p_calls_per_second => p_cps, p_now => p_now,
    p_user_ids => array['5c000000-0000-4000-8000-00000000000a'::uuid])
$$;

select tests.booking('1', interval '-15 minutes');             -- a run 15 minutes late
select tests.booking('2', interval '-1 minute', 'daily');
select tests.booking('3', interval '0');
select tests.booking('4', interval '30 seconds');               -- due before the next tick
select tests.booking('5', interval '5 minutes');                -- not yet
select tests.booking('6', interval '0', 'none', 'a', 'canceled');
select tests.booking('7', interval '0', 'none', 'b');           -- another user's, outside this claim

create temp table first_claim as select * from tests.claim();

-- Claiming ------------------------------------------------------------------------------------------------------
select set_eq(
  $$ select id, status::text from first_claim $$,
  $$ values (tests.id('1'), 'missed'), (tests.id('2'), 'claimed'), (tests.id('3'), 'claimed'), (tests.id('4'), 'claimed') $$,
  'A run claims what is due now and before the next tick, and marks the 15-minute-late one missed'
);
select is(
  (select status from public.scheduled_calls where id = tests.id('5')), 'pending',
  'An occurrence due after the next tick stays pending'
);
select is(
  (select status from public.scheduled_calls where id = tests.id('6')), 'canceled',
  'A canceled booking is never claimed'
);
select is(
  (select status from public.scheduled_calls where id = tests.id('7')), 'pending',
  'The claim touches only the users it was asked for'
);
select matches(
  (select failure_reason from public.scheduled_calls where id = tests.id('1')),
  '^This call was due at 06:45 \(Europe/London\), but our scheduler could not place it until 07:00, so it was skipped',
  'A missed occurrence says, in the user''s time zone, why it did not ring'
);
select ok(
  (select dial_at is null from public.scheduled_calls where id = tests.id('1')),
  'A missed occurrence gets no dial time'
);
select results_eq(
  $$ select id, dial_at, attempts, claimed_at from public.scheduled_calls
      where id in (tests.id('2'), tests.id('3'), tests.id('4')) order by scheduled_time $$,
  $$ values (tests.id('2'), '2040-01-02 07:00:00+00'::timestamptz, 1, '2040-01-02 07:00:00+00'::timestamptz),
            (tests.id('3'), '2040-01-02 07:00:00.5+00', 1, '2040-01-02 07:00:00+00'),
            (tests.id('4'), '2040-01-02 07:00:30+00', 1, '2040-01-02 07:00:00+00') $$,
  'Claimed occurrences are dialled at their time, spaced by the pace (2 per second) when due together'
);
select is_empty(
  $$ select * from tests.claim() $$,
  'A second run finds nothing left to claim: an occurrence is claimed once'
);

-- A later run is paced after the dials already planned by the earlier one.
select tests.booking('8', interval '0');
select results_eq(
  $$ select dial_at from tests.claim() $$,
  $$ values ('2040-01-02 07:00:30.5+00'::timestamptz) $$,
  'Dial slots are shared by every run (the pace is global)'
);

-- Pace versus lateness: at one call per 100 s, the second of two calls due 9 minutes 50 s ago would ring more than
-- 10 minutes late, so it is missed; a third, due now, would need a slot beyond this run and is left for the next.
select tests.booking('11', interval '1 day' - interval '9 minutes 50 seconds');
select tests.booking('12', interval '1 day' - interval '9 minutes 50 seconds');
select tests.booking('13', interval '1 day');
select set_eq(
  $$ select id, status::text, dial_at from tests.claim(0.01, '2040-01-03 07:00:00+00') $$,
  $$ values (tests.id('11'), 'claimed', '2040-01-03 07:00:00+00'::timestamptz), (tests.id('12'), 'missed', null),
            (tests.id('5'), 'missed', null) $$,
  'A call the pace cannot reach within 10 minutes is missed, not rung late (and one left a day behind too)'
);
select matches(
  (select failure_reason from public.scheduled_calls where id = tests.id('12')), '^Too many calls were due at 06:50',
  'It says why'
);
select is(
  (select status from public.scheduled_calls where id = tests.id('13')), 'pending',
  'A call whose slot lies beyond this run''s horizon waits for the next run'
);
select throws_ok(
  $$ select * from private.claim_due_scheduled_calls(p_calls_per_second => 0) $$,
  '22023', null,
  'A pace of zero calls per second is refused'
);
select ok(
  pg_get_functiondef('private.claim_due_scheduled_calls(integer, numeric, timestamptz, interval, interval, interval, uuid[])'::regprocedure)
    ~* 'for update skip locked',
  'The claim skips rows another run or a cancelling user holds (FOR UPDATE SKIP LOCKED)'
);

-- Next occurrence --------------------------------------------------------------------------------------------------
create temp table nxt as select private.schedule_next_occurrence(tests.id('2'), '2040-01-03 07:00:00+00') as id;
select isnt((select id from nxt), null, 'A recurring occurrence gets its next occurrence');
select results_eq(
  $$ select s.user_id, s.series_id, s.previous_id, s.status::text, s.recurrence, s.timezone, s.local_time, s.phone_number_id
       from public.scheduled_calls s where s.id = (select id from nxt) $$,
  $$ select user_id, series_id, id, 'pending'::text, recurrence, timezone, local_time, phone_number_id
       from public.scheduled_calls where id = tests.id('2') $$,
  'The next occurrence is pending in the same series, zone and wall-clock time'
);
select is(private.schedule_next_occurrence(tests.id('2'), '2040-01-03 07:00:00+00'), null,
  'Creating it again changes nothing');
select is(private.schedule_next_occurrence(tests.id('2'), '2040-01-04 07:00:00+00'), null,
  'An occurrence has one next occurrence, whatever time is asked for');
select is(private.schedule_next_occurrence(tests.id('3'), '2040-01-03 07:00:00+00'), null,
  'A one-off booking does not recur');
select is(
  (select count(*)::int from public.scheduled_calls where series_id = (select series_id from public.scheduled_calls where id = tests.id('2'))),
  2, 'The series holds exactly the occurrence and its next'
);

-- Reconciling what a stopped dispatcher left behind ------------------------------------------------------------------
insert into public.calls (id, user_id, persona_id, scheduled_call_id, mode, phone_number_id, phone_number, payment_method,
                          max_duration_seconds, twilio_call_sid, status)
values ('5c300000-0000-4000-8000-000000000003', '5c000000-0000-4000-8000-00000000000a',
        'a0000000-0000-4000-8000-000000000001', tests.id('3'), 'phone', '5c100000-0000-4000-8000-00000000000a',
        '+14155550131', 'demo', 300, 'CA' || repeat('5', 32), 'queued');
select results_eq(
  $$ select outcome, occurrences from private.reconcile_scheduled_calls('2040-01-02 07:05:00+00') $$,
  $$ values ('dispatched'::text, 0), ('missed', 0), ('completed', 0) $$,
  'A recent claim is left to its run'
);
select results_eq(
  $$ select outcome, occurrences from private.reconcile_scheduled_calls('2040-01-02 07:20:00+00') $$,
  $$ values ('dispatched'::text, 1), ('missed', 3), ('completed', 0) $$,
  'A stale claim that produced a call becomes dispatched; the others are missed'
);
select results_eq(
  $$ select status::text, call_id from public.scheduled_calls where id = tests.id('3') $$,
  $$ values ('dispatched'::text, '5c300000-0000-4000-8000-000000000003'::uuid) $$,
  'The dispatched occurrence points at its call'
);
select matches(
  (select failure_reason from public.scheduled_calls where id = tests.id('4')), 'Nothing was charged',
  'A stale claim without a call is missed with a reason'
);
update public.calls set status = 'completed' where id = '5c300000-0000-4000-8000-000000000003';
select results_eq(
  $$ select occurrences from private.reconcile_scheduled_calls('2040-01-02 07:20:00+00') where outcome = 'completed' $$,
  $$ values (1) $$,
  'An occurrence whose call ended becomes completed'
);

-- Calls whose final callback never came ------------------------------------------------------------------------------
insert into public.calls (id, user_id, persona_id, mode, phone_number, payment_method, max_duration_seconds, status,
                          twilio_call_sid, created_at, dialed_at)
values ('5c300000-0000-4000-8000-000000000010', '5c000000-0000-4000-8000-00000000000b',
        'a0000000-0000-4000-8000-000000000001', 'phone', '+14155550132', 'demo', 300, 'ringing', 'CA' || repeat('6', 32),
        now() - interval '9 minutes', now() - interval '9 minutes'),
       ('5c300000-0000-4000-8000-000000000011', '5c000000-0000-4000-8000-00000000000b',
        'a0000000-0000-4000-8000-000000000001', 'phone', '+14155550132', 'demo', 300, 'in_progress', 'CA' || repeat('7', 32),
        now() - interval '8 minutes', now() - interval '8 minutes');
insert into public.calls (id, user_id, persona_id, mode, phone_number, payment_method, max_duration_seconds, status,
                          twilio_call_sid, created_at, ended_at)
values ('5c300000-0000-4000-8000-000000000012', '5c000000-0000-4000-8000-00000000000b',
        'a0000000-0000-4000-8000-000000000001', 'phone', '+14155550132', 'demo', 300, 'busy', 'CA' || repeat('8', 32),
        now() - interval '10 minutes', now() - interval '5 minutes'),
       ('5c300000-0000-4000-8000-000000000013', '5c000000-0000-4000-8000-00000000000b',
        'a0000000-0000-4000-8000-000000000001', 'phone', '+14155550132', 'demo', 300, 'busy', 'CA' || repeat('9', 32),
        now() - interval '2 minutes', now() - interval '1 minute');
select set_eq(
  $$ select call_id, kind from private.calls_to_reconcile()
      where call_id::text like '5c300000-%' $$,
  $$ values ('5c300000-0000-4000-8000-000000000010'::uuid, 'stuck'), ('5c300000-0000-4000-8000-000000000012', 'unsettled') $$,
  'Open past ring timeout + max duration + 3 minutes is stuck; ended and unsettled past the grace period is unsettled'
);

-- Booking rules (row-level security on insert) ----------------------------------------------------------------------
create function tests.book_as_user(p_at text, p_persona text default 'a0000000-0000-4000-8000-000000000001',
                                   p_phone text default '5c100000-0000-4000-8000-00000000000a', p_tz text default 'Europe/London')
returns text language sql as $$
  select tests.error_of(pg_catalog.format(
    'insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time) values (%L, %L, %s, %L, ''07:00'')',
    p_persona, p_phone, p_at, p_tz))
$$;
select tests.authenticate_as('5c000000-0000-4000-8000-00000000000a');
select is(tests.book_as_user('now() + interval ''89 days'''), 'no error', 'A booking 89 days ahead is accepted');
select matches(tests.book_as_user('now() + interval ''91 days'''), '^42501', 'A booking more than 90 days ahead is refused');
select matches(tests.book_as_user('now() - interval ''1 second'''), '^42501', 'A booking in the past is refused');
select matches(tests.book_as_user('now() + interval ''1 day''', 'a0000000-0000-4000-8000-0000000000ff'), '^42501',
  'A booking with a persona that does not exist is refused');
select matches(tests.book_as_user('now() + interval ''1 day''', p_phone => '5c100000-0000-4000-8000-00000000000b'), '^23503',
  'A booking to a number that is not the user''s own verified number is refused');
select matches(tests.book_as_user('now() + interval ''1 day''', p_tz => 'Mars/Olympus_Mons'), '^23514',
  'A booking in a time zone that does not exist is refused');
reset role;

-- Who may run the dispatcher's functions, and what wakes it ----------------------------------------------------------
select ok(
  has_function_privilege('service_role', 'private.claim_due_scheduled_calls(integer, numeric, timestamptz, interval, interval, interval, uuid[])', 'EXECUTE')
  and not has_function_privilege('authenticated', 'private.claim_due_scheduled_calls(integer, numeric, timestamptz, interval, interval, interval, uuid[])', 'EXECUTE')
  and not has_function_privilege('anon', 'private.schedule_next_occurrence(uuid, timestamptz)', 'EXECUTE'),
  'Only the service role can claim or chain occurrences'
);
select results_eq(
  $$ select j.name, j.schedule, j.command ~ ('/functions/v1/' || j.name) and j.command ~ '''apikey'', private.cron_secret\(''cron_key''\)'
                                  and j.command ~ 'project_url' and j.command ~ 'net.http_post'
                                  and j.command !~ 'Authorization'
       from (select jobname::text collate "default" as name, schedule collate "default" as schedule,
                    command collate "default" as command from cron.job) j
      where j.name in ('dispatch-scheduled-calls', 'calls-reconcile') order by j.name $$,
  $$ values ('calls-reconcile'::text, '* * * * *'::text, true), ('dispatch-scheduled-calls', '* * * * *', true) $$,
  'pg_cron posts to both functions every minute with the project URL from Vault and the secret key (cron_key) as apikey'
);

select * from finish();
rollback;
