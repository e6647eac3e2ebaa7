-- Live call events that are not rows (the words being spoken right now) go out as broadcasts on the private
-- channel "call:<call id>". Only the call's owner may join it; nobody may send on it from a browser.
create policy "Users can receive live events of their own calls"
  on realtime.messages for select to authenticated
  using (
    (select realtime.topic()) like 'call:%'
    and exists (
      select 1 from public.calls c
      where c.id::text = substr((select realtime.topic()), 6) and c.user_id = (select auth.uid())
    )
  );
