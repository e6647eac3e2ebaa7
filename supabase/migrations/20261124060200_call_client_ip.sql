-- Per-address call limits: call-now records the address the request came from (the platform proxy's first
-- X-Forwarded-For hop), so one address cannot place calls through many accounts. Scheduled calls have none.
alter table public.calls add column client_ip text;
comment on column public.calls.client_ip is 'Address a call-now request came from, for per-address limits; null for scheduled calls.';
create index calls_client_ip_created_idx on public.calls (client_ip, created_at desc) where client_ip is not null;
