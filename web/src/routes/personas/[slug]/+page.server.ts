import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { databaseFailure } from '$lib/api_errors';
import { parsePersonaForm } from '$lib/forms';
import { parseOwnPersonaForm } from '$lib/own_persona';
import { loadVoices } from '$lib/server/tts_voices';
import { parseMemoryEnabled, parseMemoryId, parseMemoryText, type MemoryKind } from '$lib/persona_memory';

async function personaBySlug(locals: App.Locals, slug: string) {
  const { data, error: err } = await locals.supabase.from('personas').select('*').eq('slug', slug).maybeSingle();
  if (err) error(503, { message: 'This persona could not be loaded right now. Reload the page in a moment.' });
  // The owner still reads a persona they deleted (for call history), but it is gone from here.
  if (!data || !data.is_active) error(404, { message: 'There is no persona by that name. Pick one from the list.' });
  return data;
}

/** The persona, when it is one of the user's own (only the owner can read those, so owner_id set means theirs). */
async function ownPersona(locals: App.Locals, slug: string) {
  const persona = await personaBySlug(locals, slug);
  if (!persona.owner_id) error(403, { message: 'Built-in personas cannot be edited. Customise them below, or create your own.' });
  return persona;
}

export const load: PageServerLoad = async ({ locals, params, fetch }) => {
  const persona = await personaBySlug(locals, params.slug);
  const [{ data: mine }, memories, voices] = await Promise.all([
    locals.supabase.from('user_persona_relationships').select('*').eq('persona_id', persona.id).maybeSingle(),
    locals.supabase.from('persona_memories').select('id, kind, text, created_at, call_id').eq('persona_id', persona.id)
      .order('created_at', { ascending: false }).limit(200),
    persona.owner_id ? loadVoices(fetch, locals) : Promise.resolve(null)
  ]);
  return {
    persona, mine, memories: memories.data ?? [], memoriesFailed: memories.error !== null,
    own: persona.owner_id !== null,
    voices: voices?.ok ? voices.voices : [],
    voicesError: voices && !voices.ok ? voices.message : null
  };
};

/** A memory form's failure: the message shows beside the memory section, not the customisation form. */
const memoryFailure = (status: number, memoryError: string) => fail(status, { memoryError });

export const actions: Actions = {
  edit: async ({ request, locals, params, fetch }) => {
    const persona = await ownPersona(locals, params.slug);
    const f = await request.formData();
    const voices = await loadVoices(fetch, locals);
    if (!voices.ok) return fail(503, { editErrors: {}, editMessage: voices.message });
    const parsed = parseOwnPersonaForm(f, voices.voices);
    if (!parsed.ok) return fail(400, { editErrors: parsed.errors, editMessage: 'Check the highlighted fields.' });
    const { data, error: err } = await locals.supabase.from('personas').update(parsed.value).eq('id', persona.id).select('id');
    if (err) return fail(400, { editErrors: {}, editMessage: databaseFailure(err).message });
    if (!data?.length) return fail(404, { editErrors: {}, editMessage: 'This persona was deleted. Reload the page.' });
    return { edited: true };
  },
  delete: async ({ locals, params }) => {
    const persona = await ownPersona(locals, params.slug);
    const { data, error: err } = await locals.supabase.from('personas').update({ deleted_at: new Date().toISOString() })
      .eq('id', persona.id).select('id');
    if (err) return fail(400, { editErrors: {}, editMessage: databaseFailure(err).message });
    if (!data?.length) return fail(404, { editErrors: {}, editMessage: 'This persona was already deleted. Reload the page.' });
    redirect(303, `/personas?deleted=${encodeURIComponent(persona.name)}`);
  },
  save: async ({ request, locals, params }) => {
    const persona = await personaBySlug(locals, params.slug);
    const parsed = parsePersonaForm(await request.formData());
    if (!parsed.ok) return fail(400, { errors: parsed.errors, message: 'Check the highlighted fields.' });
    const { user } = await locals.safeGetSession();
    const { error: err } = await locals.supabase
      .from('user_persona_relationships')
      .upsert({ user_id: user!.id, persona_id: persona.id, ...parsed.value }, { onConflict: 'user_id,persona_id' });
    if (err) return fail(400, { errors: {}, message: databaseFailure(err).message });
    return { saved: true };
  },
  reset: async ({ locals, params }) => {
    const persona = await personaBySlug(locals, params.slug);
    // Back to the persona's defaults; a memory the user turned off stays off (its row stays, with defaults).
    const { error: err } = await locals.supabase.from('user_persona_relationships').delete().eq('persona_id', persona.id).eq('memory_enabled', true);
    const { error: kept } = err ? { error: err } : await locals.supabase.from('user_persona_relationships')
      .update({ relationship_type: 'friend', nickname: null, custom_prompt: null, voice_stability: null, voice_similarity_boost: null, voice_style: null, voice_speed: null })
      .eq('persona_id', persona.id);
    if (kept) return fail(400, { errors: {}, message: databaseFailure(kept).message });
    return { reset: true };
  },
  memory: async ({ request, locals, params }) => {
    const persona = await personaBySlug(locals, params.slug);
    const parsed = parseMemoryEnabled(await request.formData());
    if (!parsed.ok) return memoryFailure(400, parsed.errors.memory_enabled!);
    const { user } = await locals.safeGetSession();
    const { error: err } = await locals.supabase
      .from('user_persona_relationships')
      .upsert({ user_id: user!.id, persona_id: persona.id, memory_enabled: parsed.value }, { onConflict: 'user_id,persona_id' });
    if (err) return memoryFailure(400, databaseFailure(err).message);
    return { memoryMessage: parsed.value ? `Memory is on. ${persona.name} will remember your next calls.` : `Memory is off. ${persona.name} will not remember your calls.` };
  },
  editMemory: async ({ request, locals, params }) => {
    const persona = await personaBySlug(locals, params.slug);
    const f = await request.formData();
    const id = parseMemoryId(f);
    if (!id.ok) return memoryFailure(400, id.errors.id!);
    const { data: row } = await locals.supabase.from('persona_memories').select('kind').eq('id', id.value).eq('persona_id', persona.id).maybeSingle();
    if (!row) return memoryFailure(404, 'That memory is not there any more. Reload the page.');
    const text = parseMemoryText(f, row.kind as MemoryKind);
    if (!text.ok) return memoryFailure(400, text.errors.text!);
    const { error: err } = await locals.supabase.from('persona_memories').update({ text: text.value }).eq('id', id.value).eq('persona_id', persona.id);
    if (err) return memoryFailure(400, databaseFailure(err).message);
    return { memoryMessage: 'Saved.' };
  },
  forgetMemory: async ({ request, locals, params }) => {
    const persona = await personaBySlug(locals, params.slug);
    const id = parseMemoryId(await request.formData());
    if (!id.ok) return memoryFailure(400, id.errors.id!);
    const { error: err } = await locals.supabase.from('persona_memories').delete().eq('id', id.value).eq('persona_id', persona.id);
    if (err) return memoryFailure(400, databaseFailure(err).message);
    return { memoryMessage: `Forgotten. ${persona.name} will not bring it up again.` };
  },
  forgetAll: async ({ locals, params }) => {
    const persona = await personaBySlug(locals, params.slug);
    const { error: err } = await locals.supabase.from('persona_memories').delete().eq('persona_id', persona.id);
    if (err) return memoryFailure(400, databaseFailure(err).message);
    return { memoryMessage: `${persona.name} has forgotten everything from your calls.` };
  }
};
