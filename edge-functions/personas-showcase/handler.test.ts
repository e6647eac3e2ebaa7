// personas-showcase with a fake database: only the public columns of active personas, and a sentence when the
// database is away.
import { assertEquals, assertMatch } from '../_shared/assert.ts';
import { handlePersonasShowcase } from './handler.ts';

const BRAD = { id: 'a0000000-0000-4000-8000-000000000001', slug: 'brad', name: 'Brad', description: 'Laid-back friend.', traits: ['funny'] };

Deno.test('lists the public profile of active personas, cacheable by anyone', async () => {
  const seen: string[] = [];
  const res = await handlePersonasShowcase(new Request('http://f/personas-showcase'), {
    query: async <R,>(sql: string) => { seen.push(sql); return { rows: [BRAD] as R[], rowCount: 1 }; }
  });
  assertEquals(res.status, 200);
  assertEquals(await res.json(), { personas: [BRAD] });
  assertEquals(res.headers.get('cache-control'), 'public, max-age=300');
  assertMatch(seen[0]!, /select id, slug, name, description, traits\s+from public\.personas where is_active/);
});

Deno.test('refuses anything but GET, and says so when the database is away', async () => {
  const never = { query: () => Promise.reject(new Error('unused')) };
  assertEquals((await handlePersonasShowcase(new Request('http://f/x', { method: 'POST', body: '{}' }), never)).status, 400);
  const lines: string[] = [];
  const res = await handlePersonasShowcase(new Request('http://f/x'), { query: () => Promise.reject(new Error('connection refused')) }, (l) => lines.push(l));
  assertEquals(res.status, 503);
  assertEquals(((await res.json()) as { error: { code: string } }).error.code, 'provider_unavailable');
  assertMatch(lines.join('\n'), /connection refused/);
});
