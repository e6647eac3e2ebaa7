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
export const load: PageServerLoad = async ({ fetch }) => {
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
