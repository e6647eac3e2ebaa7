// The personas as the public landing page introduces them: name, description and traits of each active persona,
// and the id its voice sample is asked for by. Visitors have no access to the tables (anon reads nothing in public),
// so this answers them with exactly these columns; the prompts and voice ids stay private.
import { appError } from '../../core/src/errors.ts';
import { jsonResponse } from '../_shared/cors.ts';
import type { Queryable } from '../_shared/queryable.ts';
import { failWith } from '../_shared/responses.ts';

export interface ShowcasePersona extends Record<string, unknown> {
  id: string;
  slug: string;
  name: string;
  description: string;
  traits: string[];
}

export async function handlePersonasShowcase(req: Request, db: Queryable, log?: (line: string) => void): Promise<Response> {
  if (req.method !== 'GET') return failWith(appError('invalid_input', 'Use GET.'));
  try {
    const r = await db.query<ShowcasePersona>(
      `select id, slug, name, description, traits
         from public.personas where is_active and owner_id is null order by sort_order, name`);
    // The same for everyone and rarely changed: shared caches may keep it for a few minutes.
    return jsonResponse({ personas: r.rows }, 200, { 'Cache-Control': 'public, max-age=300' });
  } catch (err) {
    log?.(`personas-showcase: ${(err as Error).message}`);
    return failWith(appError('provider_unavailable', 'The personas could not be loaded right now. Try again in a moment.'));
  }
}
