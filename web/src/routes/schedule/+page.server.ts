import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { databaseFailure } from '$lib/api_errors';
import { parseScheduleForm } from '$lib/schedule_form';
import { publicConfig } from '$lib/public_config';

export const load: PageServerLoad = async ({ locals }) => {
  const [upcoming, past, personas, scenarios, numbers, profile] = await Promise.all([
    locals.supabase.from('scheduled_calls').select('*').in('status', ['pending', 'claimed', 'dispatched']).order('scheduled_time').limit(50),
    locals.supabase.from('scheduled_calls').select('*').in('status', ['completed', 'missed', 'failed', 'canceled']).order('scheduled_time', { ascending: false }).limit(20),
    locals.supabase.from('personas').select('id, name').eq('is_active', true).order('sort_order').order('name'),
    locals.supabase.from('call_scenario_templates').select('id, name, user_id').eq('is_active', true).order('sort_order').order('name'),
    locals.supabase.from('user_phone_numbers').select('id, phone_number').order('verified_at', { ascending: false }),
    locals.supabase.from('users').select('timezone').maybeSingle()
  ]);
  if (upcoming.error) error(503, { message: 'Your scheduled calls could not be loaded right now. Reload the page in a moment.' });
  return {
    upcoming: upcoming.data ?? [],
    past: past.data ?? [],
    personas: personas.data ?? [],
    scenarios: scenarios.data ?? [],
    numbers: numbers.data ?? [],
    timezone: profile.data?.timezone ?? 'UTC'
  };
};

export const actions: Actions = {
  create: async ({ request, locals }) => {
    const f = await request.formData();
    const parsed = parseScheduleForm(f, new Date(), { demoMode: publicConfig().demoMode });
    const values = Object.fromEntries([...f].map(([k, v]) => [k, String(v)]));
    if (!parsed.ok) return fail(400, { action: 'create', errors: parsed.errors, values, message: 'Check the highlighted fields.' });
    const { error: err } = await locals.supabase.from('scheduled_calls').insert(parsed.value);
    if (err) {
      const message = err.code === '42501'
        ? 'That booking was refused: check the time is in the future and the number is one of your verified numbers.'
        : databaseFailure(err).message;
      return fail(400, { action: 'create', errors: {}, values, message });
    }
    return { action: 'create', created: true };
  },
  cancel: async ({ request, locals }) => {
    const id = String((await request.formData()).get('id') ?? '');
    const { data, error: err } = await locals.supabase.from('scheduled_calls').update({ status: 'canceled' }).eq('id', id).eq('status', 'pending').select('id');
    if (err) return fail(400, { action: 'cancel', id, message: databaseFailure(err).message });
    if (!data?.length) return fail(409, { action: 'cancel', id, message: 'This call is already on its way or finished, so it cannot be cancelled.' });
    return { action: 'cancel', canceled: true };
  }
};
