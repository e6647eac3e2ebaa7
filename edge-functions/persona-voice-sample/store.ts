// The persona lookup, the sample cache and the synthesis allowance in Postgres (private schema, service access).
import { Buffer } from 'node:buffer';
import type { Tables } from '../../core/src/database.types.ts';
import type { Queryable } from '../_shared/queryable.ts';
import type { PersonaVoice, StoredSample, VoiceSampleStore } from './handler.ts';

/** The persona's own columns typed from the generated database types; the voice settings read as float8 (a user's are null
 * until they customise the persona). */
type PersonaRow = Pick<Tables<'personas'>, 'name' | 'voice_id'>
  & Record<'d_stability' | 'd_similarity_boost' | 'd_style' | 'd_speed', number>
  & Record<'stability' | 'similarity_boost' | 'style' | 'speed', number | null>;

export function pgVoiceSampleStore(db: Queryable): VoiceSampleStore {
  return {
    async persona(personaId, userId): Promise<PersonaVoice | null> {
      // Only active personas are offered to users, and an own persona only to its owner (the personas read policy).
      const r = await db.query<PersonaRow>(
        `select p.name, p.voice_id,
                p.default_voice_stability::float8 as d_stability, p.default_voice_similarity_boost::float8 as d_similarity_boost,
                p.default_voice_style::float8 as d_style, p.default_voice_speed::float8 as d_speed,
                r.voice_stability::float8 as stability, r.voice_similarity_boost::float8 as similarity_boost,
                r.voice_style::float8 as style, r.voice_speed::float8 as speed
           from public.personas p
           left join public.user_persona_relationships r on r.persona_id = p.id and r.user_id = $2::uuid
          where p.id = $1 and p.is_active and (p.owner_id is null or p.owner_id = $2::uuid)`,
        [personaId, userId]
      );
      const row = r.rows[0];
      if (!row) return null;
      return {
        name: row.name,
        voiceId: row.voice_id,
        defaults: { stability: row.d_stability, similarityBoost: row.d_similarity_boost, style: row.d_style, speed: row.d_speed },
        saved: { stability: row.stability, similarityBoost: row.similarity_boost, style: row.style, speed: row.speed }
      };
    },
    async cached(cacheKey): Promise<StoredSample | null> {
      const r = await db.query<{ content_type: string; audio: Uint8Array }>(
        'select content_type, audio from private.voice_samples where cache_key = $1', [cacheKey]);
      const row = r.rows[0];
      return row ? { contentType: row.content_type, audio: new Uint8Array(row.audio) } : null;
    },
    async takeSynthesis(userId, cacheKey, limit, windowSeconds) {
      const r = await db.query<{ taken: boolean }>(
        'select private.take_voice_sample_synthesis($1, $2, $3, make_interval(secs => $4)) as taken',
        [userId, cacheKey, limit, windowSeconds]);
      return r.rows[0]?.taken === true;
    },
    async save(s) {
      await db.query(
        `insert into private.voice_samples (cache_key, voice_id, model_id, content_type, audio, characters)
         values ($1, $2, $3, $4, $5, $6) on conflict (cache_key) do nothing`,
        [s.cacheKey, s.voiceId, s.modelId, s.contentType, Buffer.from(s.audio.buffer, s.audio.byteOffset, s.audio.byteLength), s.characters]);
    }
  };
}
