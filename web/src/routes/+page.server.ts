import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { publicConfig } from '$lib/public_config';
import { DEFAULT_ALLOWED_COUNTRIES, regionName } from '../../../core/src/phone.ts';

export interface ShowcasePersona {
  id: string;
  slug: string;
  name: string;
  description: string;
  traits: string[];
}

// The landing page is for visitors, who cannot read the tables: the personas come from the personas-showcase
// function. Without it the page still works, without the voices section.
//
// A signed-in user's home is the dashboard; `/?about` still shows them this page (the footer's questions and
// pricing links use it).
export const load: PageServerLoad = async ({ fetch, locals, url }) => {
  if (!url.searchParams.has('about')) {
    const { user } = await locals.safeGetSession();
    if (user) redirect(303, '/dashboard');
  }
  const cfg = publicConfig();
  let personas: ShowcasePersona[] = [];
  try {
    const res = await fetch(`${cfg.supabaseUrl.replace(/\/+$/, '')}/functions/v1/personas-showcase`, {
      headers: { apikey: cfg.supabaseKey },
      signal: AbortSignal.timeout(3_000)
    });
    if (res.ok) personas = ((await res.json()) as { personas: ShowcasePersona[] }).personas;
  } catch {
    // Shown without the voices; the rest of the page does not depend on them.
  }
  return { personas, countries: DEFAULT_ALLOWED_COUNTRIES.map(regionName) };
};
