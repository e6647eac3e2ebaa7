-- A browser call is placed before its media exists: the page then asks for the microphone. A call whose page was
-- left before that ("Connect microphone" never pressed) used to wait for the stuck-call sweep (its whole time limit
-- plus margins, about 9 minutes for a 5-minute call), held its credits and blocked every new call meanwhile.
-- A browser call that is still waiting for its media (never started, no Twilio leg) gets a short connect deadline:
-- past it, it no longer counts as the call in progress, and the reconciler's sweep (every minute) cancels it and
-- releases the hold through the usual settlement (private.settle_finished_call, or the card service for a card hold).

create or replace function private.browser_connect_deadline() returns interval
language sql immutable set search_path = '' as $$ select interval '2 minutes' $$;
comment on function private.browser_connect_deadline() is
  'How long a browser call may wait for its media (the microphone connected) before it is cancelled and released.';

create or replace function private.browser_call_unconnected(p_call public.calls, p_now timestamptz default null)
returns boolean
language sql stable set search_path = '' as $$
  select p_call.mode = 'browser'
     and p_call.status in ('created', 'queued')
     and p_call.answered_at is null
     and p_call.twilio_call_sid is null
     and coalesce(p_call.dialed_at, p_call.created_at) + private.browser_connect_deadline()
         < coalesce(p_now, pg_catalog.now())
$$;
comment on function private.browser_call_unconnected(public.calls, timestamptz) is
  'A browser call whose media never connected within private.browser_connect_deadline(): not in progress, to be released.';
revoke all on function private.browser_call_unconnected(public.calls, timestamptz) from public, anon, authenticated;
grant execute on function private.browser_call_unconnected(public.calls, timestamptz) to service_role;
revoke all on function private.browser_connect_deadline() from public, anon, authenticated;
grant execute on function private.browser_connect_deadline() to service_role;

create or replace function private.cancel_unconnected_browser_calls(p_now timestamptz default null, p_limit integer default 100)
returns setof uuid
language sql security definer set search_path = '' as $$
  update public.calls c
     set status = 'canceled', end_reason = 'canceled',
         error_message = 'The microphone was never connected, so the call was cancelled and its hold released.'
   where c.id in (select x.id from public.calls x
                   where x.mode = 'browser' and x.status in ('created', 'queued')
                     and private.browser_call_unconnected(x, p_now)
                   order by x.created_at limit p_limit
                   for update skip locked)
     and private.browser_call_unconnected(c, p_now)
  returning c.id
$$;
comment on function private.cancel_unconnected_browser_calls(timestamptz, integer) is
  'Cancels browser calls past their connect deadline; the caller settles each (releasing its hold). Service role only.';
revoke all on function private.cancel_unconnected_browser_calls(timestamptz, integer) from public, anon, authenticated;
grant execute on function private.cancel_unconnected_browser_calls(timestamptz, integer) to service_role;
