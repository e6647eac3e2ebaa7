import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  const [personas, mine, numbers] = await Promise.all([
    // Active ones only: the owner can also read the personas they deleted (for call history).
    locals.supabase.from('personas').select('id, slug, name, description, traits, owner_id, default_voice_stability, default_voice_similarity_boost, default_voice_style, default_voice_speed').eq('is_active', true).order('sort_order').order('name'),
    locals.supabase.from('user_persona_relationships').select('persona_id, relationship_type, nickname, voice_stability, voice_similarity_boost, voice_style, voice_speed'),
    locals.supabase.from('user_phone_numbers').select('id', { count: 'exact', head: true })
  ]);
  if (personas.error) error(503, { message: 'Personas could not be loaded right now. Reload the page in a moment.' });
  return { personas: personas.data ?? [], customised: mine.data ?? [], hasNumber: (numbers.count ?? 0) > 0 };
};
