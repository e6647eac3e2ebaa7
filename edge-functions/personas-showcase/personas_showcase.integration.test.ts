// The landing page's persona list through the gateway, for a visitor with only the publishable key.
import { assert, assertEquals } from '../_shared/assert.ts';
import { createUser, stackEnv, testPool } from '../_shared/testing.ts';

const FN = `${stackEnv('SUPABASE_URL')}/functions/v1/personas-showcase`;

Deno.test('a visitor gets the active personas with their public profile and nothing private', async () => {
  const res = await fetch(FN, { headers: { apikey: stackEnv('SUPABASE_ANON_KEY') } });
  assertEquals(res.status, 200);
  const { personas } = (await res.json()) as { personas: Record<string, unknown>[] };
  assert(personas.length >= 6, 'the seeded personas');
  assertEquals(personas[0], {
    id: 'a0000000-0000-4000-8000-000000000001', slug: 'brad', name: 'Brad',
    description: personas[0]!.description, traits: personas[0]!.traits
  });
  for (const p of personas) assertEquals(Object.keys(p).sort(), ['description', 'id', 'name', 'slug', 'traits']);
});

Deno.test({ sanitizeResources: false, sanitizeOps: false, name: 'a persona a user created for themselves is never shown to visitors', fn: async () => {
  const db = testPool();
  try {
    const user = await createUser(db, 'showcase-own');
    await db.query(`insert into public.personas (owner_id, name, voice_id, description, system_prompt)
                    values ($1, 'Private Pat', '21m00Tcm4TlvDq8ikWAM', 'secret', 'x')`, [user.id]);
    const res = await fetch(FN, { headers: { apikey: stackEnv('SUPABASE_ANON_KEY') } });
    const { personas } = (await res.json()) as { personas: { name: string }[] };
    assertEquals(personas.filter((p) => p.name === 'Private Pat'), []);
  } finally {
    await db.end();
  }
}});
