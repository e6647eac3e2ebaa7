-- Per-IP limits on verification codes: the requesting address is kept with each challenge.
alter table public.phone_verifications add column if not exists client_ip text;
comment on column public.phone_verifications.client_ip is 'Address the code was requested from (first X-Forwarded-For hop), for per-IP send limits.';
create index if not exists phone_verifications_ip_created_idx on public.phone_verifications (client_ip, created_at desc);
