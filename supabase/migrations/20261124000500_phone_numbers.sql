-- Numbers a user proved they own, and the one-time codes that prove it.

create table public.user_phone_numbers (
  id           uuid primary key default gen_random_uuid(),
  user_id      uuid not null references public.users (id) on delete cascade,
  phone_number text not null,
  country_code text not null,
  label        text,
  verified_at  timestamptz not null default now(),
  created_at   timestamptz not null default now(),
  constraint user_phone_numbers_one_per_user unique (user_id, phone_number),
  -- Target of composite foreign keys that make sure calls only dial the caller's own numbers.
  constraint user_phone_numbers_id_user_id_key unique (id, user_id),
  constraint user_phone_numbers_phone_number_e164 check (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
  constraint user_phone_numbers_country_code_shape check (country_code ~ '^[A-Z]{2}$'),
  constraint user_phone_numbers_label_length check (char_length(btrim(label)) between 1 and 40)
);
comment on table public.user_phone_numbers is
  'Phone numbers the user proved they own with a one-time code. Only numbers in this table are ever dialled. '
  'Written by the verification service; the user can read and remove their own.';
comment on column public.user_phone_numbers.phone_number is 'E.164 number, e.g. +14155550123.';
comment on column public.user_phone_numbers.country_code is 'ISO 3166-1 alpha-2 country of the number (from libphonenumber), checked against the allow-list.';
comment on column public.user_phone_numbers.label is 'User''s name for the number (Mobile, Work, ...).';
comment on column public.user_phone_numbers.verified_at is 'When the one-time code was confirmed.';

alter table public.user_phone_numbers enable row level security;

create policy "Users can read their own phone numbers"
  on public.user_phone_numbers for select to authenticated
  using (user_id = (select auth.uid()));

create policy "Users can remove their own phone numbers"
  on public.user_phone_numbers for delete to authenticated
  using (user_id = (select auth.uid()));

-- Adding a number requires proof of ownership, so only the service inserts.
revoke all on table public.user_phone_numbers from anon, authenticated;
grant select, delete on table public.user_phone_numbers to authenticated;


create table public.phone_verifications (
  id            uuid primary key default gen_random_uuid(),
  user_id       uuid not null references public.users (id) on delete cascade,
  phone_number  text not null,
  channel       text not null default 'sms',
  code_hash     text,
  provider_sid  text,
  status        text not null default 'pending',
  attempts      integer not null default 0,
  max_attempts  integer not null default 5,
  expires_at    timestamptz not null,
  approved_at   timestamptz,
  created_at    timestamptz not null default now(),
  constraint phone_verifications_phone_number_e164 check (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
  constraint phone_verifications_channel_valid check (channel in ('sms', 'call')),
  constraint phone_verifications_status_valid check (status in ('pending', 'approved', 'expired', 'too_many_attempts', 'canceled')),
  constraint phone_verifications_has_secret check (code_hash is not null or provider_sid is not null),
  constraint phone_verifications_attempts_range check (attempts >= 0 and attempts <= max_attempts),
  constraint phone_verifications_max_attempts_range check (max_attempts between 1 and 10),
  constraint phone_verifications_expires_after_creation check (expires_at > created_at),
  constraint phone_verifications_approved_has_time check ((status = 'approved') = (approved_at is not null))
);
comment on table public.phone_verifications is
  'One-time-code challenges for adding a phone number. Service only: codes are stored hashed, attempts are '
  'capped, and rows are also the source for per-user and per-number send rate limits.';
comment on column public.phone_verifications.code_hash is 'Hash of the one-time code when we send it ourselves; never the code itself.';
comment on column public.phone_verifications.provider_sid is 'Twilio Verify verification SID (VE...) when Twilio holds the code instead.';
comment on column public.phone_verifications.status is 'pending, approved, expired, too_many_attempts or canceled.';
comment on column public.phone_verifications.attempts is 'Wrong codes entered so far; the challenge dies at max_attempts.';

create index phone_verifications_user_created_idx on public.phone_verifications (user_id, created_at desc);
create index phone_verifications_number_created_idx on public.phone_verifications (phone_number, created_at desc);

alter table public.phone_verifications enable row level security;
-- No policies: codes and attempt counters are for the service only.
revoke all on table public.phone_verifications from anon, authenticated;
