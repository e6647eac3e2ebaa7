-- Voice samples: a short line in a persona's voice so people can hear it before they are called. Text-to-speech is
-- billed per character, so each distinct (voice, model, settings, text) is synthesised once and kept here, and the
-- syntheses a user causes are counted so one account cannot run up the bill. Service only (private schema).

create table if not exists private.voice_samples (
  cache_key     text primary key,
  voice_id      text not null,
  model_id      text not null,
  content_type  text not null,
  audio         bytea not null,
  characters    integer not null,
  created_at    timestamptz not null default now(),
  constraint voice_samples_cache_key_shape check (cache_key ~ '^[0-9a-f]{64}$'),
  constraint voice_samples_content_type_audio check (content_type ~ '^audio/[a-z0-9.+-]+$'),
  constraint voice_samples_audio_not_empty check (octet_length(audio) > 0),
  constraint voice_samples_characters_positive check (characters > 0)
);
comment on table private.voice_samples is
  'Synthesised persona voice samples, keyed by a SHA-256 of voice id, model, output format, voice settings and text, '
  'so the same sample is paid for once. Safe to empty: samples are made again on demand. Service only.';
comment on column private.voice_samples.cache_key is 'Hex SHA-256 of everything that shapes the audio (see the persona-voice-sample function).';
comment on column private.voice_samples.audio is 'The playable file as served (e.g. a WAV of 8 kHz 16-bit PCM).';
comment on column private.voice_samples.characters is 'Characters sent to text-to-speech for this sample (what the vendor billed).';
create index if not exists voice_samples_created_at_idx on private.voice_samples (created_at);
revoke all on table private.voice_samples from public, anon, authenticated;
grant select, insert, delete on table private.voice_samples to service_role;

create table if not exists private.voice_sample_syntheses (
  id          bigint generated always as identity primary key,
  user_id     uuid not null references public.users (id) on delete cascade,
  cache_key   text not null,
  created_at  timestamptz not null default now()
);
comment on table private.voice_sample_syntheses is
  'One row per voice sample a user caused to be synthesised (cache misses only), for the hourly per-user limit. '
  'Rows older than a day are purged. Service only.';
create index if not exists voice_sample_syntheses_user_recent_idx on private.voice_sample_syntheses (user_id, created_at);
revoke all on table private.voice_sample_syntheses from public, anon, authenticated;
grant select, insert, delete on table private.voice_sample_syntheses to service_role;

-- Takes one synthesis from the user's allowance: true (and counted) while fewer than p_limit were taken in the last
-- p_window, false otherwise. A per-user transaction lock makes concurrent requests count one after another, so a
-- burst of parallel requests cannot all slip under the limit.
create or replace function private.take_voice_sample_synthesis(
  p_user_id uuid, p_cache_key text, p_limit integer, p_window interval)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_taken integer;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('voice_sample_syntheses:' || p_user_id::text, 0));
  select count(*) into v_taken
    from private.voice_sample_syntheses s
   where s.user_id = p_user_id and s.created_at > pg_catalog.now() - p_window;
  if v_taken >= p_limit then
    return false;
  end if;
  insert into private.voice_sample_syntheses (user_id, cache_key) values (p_user_id, p_cache_key);
  return true;
end;
$$;
comment on function private.take_voice_sample_synthesis(uuid, text, integer, interval) is
  'Counts one voice-sample synthesis for the user if the limit for the window allows it; false when it does not.';
revoke all on function private.take_voice_sample_synthesis(uuid, text, integer, interval) from public, anon, authenticated;
grant execute on function private.take_voice_sample_synthesis(uuid, text, integer, interval) to service_role;

-- Old counts are useless after the window; old samples are dropped so settings nobody uses again do not pile up
-- (a sample asked for again is simply made again).
create extension if not exists pg_cron;
select cron.schedule(
  'purge-voice-samples',
  '41 3 * * *',
  $$with old_counts as (delete from private.voice_sample_syntheses where created_at < now() - interval '1 day')
    delete from private.voice_samples where created_at < now() - interval '30 days'$$
);
