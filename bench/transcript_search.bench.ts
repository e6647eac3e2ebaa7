// Transcript search at scale: 100,000 transcript lines in 2,000 calls for one user, and 20,000 lines with the same
// words for another user (which the index must keep out of the first user's search). One search is what the history
// page does for it: call_history with the words (count, newest ten) and then call_search_snippets for those ten,
// through REST as the signed-in user. Searched: a rare word, a word in 2 % of lines, a word in 20 %, and a phrase.
// Baseline in the same run, interleaved: the unfiltered history page, a plain indexed select of the newest ten calls
// with their count. Several rounds; each round's p95 is a run, and the median of runs is printed with the spread.
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { signHs256 } from '../devstack/src/keys.ts';
import { stack } from '../devstack/src/testing/stack_env.ts';
import { medianOfRuns, msSpread, summary, timeEach } from './stats.ts';
import { createUser, PERSONA_ID, type BenchUser } from './web_app.ts';

const LINES = 100_000;
const CALLS = 2_000;
const OTHER_LINES = 20_000;
const N = Number(process.env.BENCH_N ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = 5;
const TARGET_P95_MS = 100;
const COLUMNS = 'id, persona_id, scenario_template_id, status, mode, phone_number, created_at, duration_seconds, estimated_cost_cents, actual_cost_cents, payment_method, end_reason, summary';

// [label, query, lines that match]
const SEARCHES: [string, string, number][] = [
  ['rare word "zeppelin" (0.1 % of lines)', 'zeppelin', LINES / 1000],
  ['word "dentist" (2 % of lines)', 'dentist', LINES / 50],
  ['word "mornings" (20 %, stemmed)', 'mornings', LINES / 5],
  ['phrase "dentist appointment"', '"dentist appointment"', LINES / 50]
];

async function seed(db: pg.Client, userId: string, calls: number, lines: number): Promise<void> {
  await db.query(
    `insert into public.calls (user_id, persona_id, mode, status, payment_method, payment_status, max_duration_seconds,
                               duration_seconds, end_reason, created_at, dialed_at, answered_at, ended_at)
     select $1::uuid, $2::uuid, 'browser', 'completed', 'demo', 'released', 900, 300, 'user_hung_up', t, t, t + interval '5 seconds',
            t + interval '305 seconds'
       from generate_series(1, $3::int) g, lateral (select now() - g * interval '4 hours' as t) x`,
    [userId, PERSONA_ID, calls]
  );
  // Each line goes to a call picked by a hash of its number, so matches spread over the calls as real ones do.
  await db.query(
    `with c as (select id, row_number() over (order by created_at) - 1 as i from public.calls where user_id = $1::uuid)
     insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text, start_ms, end_ms)
     select c.id, $1::uuid, g, case when g % 2 = 0 then 'persona' else 'user' end,
            concat_ws(' ',
              case when g % 5 = 0 then 'good morning' end,
              case when g % 50 = 0 then 'your dentist appointment is at three' end,
              case when g % 1000 = 0 then 'the zeppelin museum' end,
              w[1 + abs(hashint4(g)) % 20], w[1 + abs(hashint4(g + 1)) % 20], w[1 + abs(hashint4(g + 2)) % 20],
              'and then we', w[1 + abs(hashint4(g + 3)) % 20], w[1 + abs(hashint4(g + 4)) % 20], 'again.'),
            g * 10, g * 10 + 5
       from generate_series(1, $2::int) g
       cross join (select array['weather', 'plans', 'work', 'family', 'dinner', 'weekend', 'coffee', 'walk', 'book',
                                'music', 'friends', 'garden', 'train', 'office', 'holiday', 'swim', 'bike', 'lunch',
                                'movie', 'sleep'] as w) words
       join c on c.i = abs(hashint4(g * 7)) % $3::int`,
    [userId, lines, calls]
  );
}

function clientFor(userId: string) {
  const claims = { sub: userId, role: 'authenticated', aud: 'authenticated', exp: Math.floor(Date.now() / 1000) + 3600 };
  return createClient(stack.apiUrl, stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { headers: { Authorization: `Bearer ${signHs256(claims, stack.jwtSecret)}` } }
  });
}

const db = new pg.Client({ connectionString: stack.dbUrl });
let user: BenchUser | null = null;
let other: BenchUser | null = null;
try {
  await db.connect();
  user = await createUser('search');
  other = await createUser('search-other');
  await seed(db, user.id, CALLS, LINES);
  await seed(db, other.id, CALLS / 5, OTHER_LINES);
  await db.query('analyze public.calls, public.call_transcript_segments');
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from public.call_transcript_segments where user_id = $1', [user.id]);
  if (rows[0]!.n !== LINES) throw new Error(`Seeded ${rows[0]!.n} transcript lines instead of ${LINES}.`);

  const sb = clientFor(user.id);
  const search = (q: string) => async () => {
    const page = await sb.rpc('call_history', { p_query: q }, { count: 'exact' }).select(COLUMNS)
      .order('created_at', { ascending: false }).order('id', { ascending: false }).range(0, 9);
    const found = (page.data ?? []) as unknown as { id: string }[];
    if (page.error || found.length === 0) throw new Error(`Search ${q}: ${page.error?.message ?? 'no calls'}`);
    const ids = found.map((c) => c.id);
    const snippets = await sb.rpc('call_search_snippets', { p_query: q, p_call_ids: ids });
    if (snippets.error || snippets.data.length !== ids.length) throw new Error(`Snippets ${q}: ${snippets.error?.message ?? snippets.data.length}`);
    return page.count;
  };
  const baseline = async () => {
    const page = await sb.from('calls').select(COLUMNS, { count: 'exact' }).order('created_at', { ascending: false }).range(0, 9);
    if (page.error || page.data.length !== 10 || page.count !== CALLS) throw new Error(`Baseline: ${page.error?.message ?? page.count}`);
  };

  // The other user's lines never count: every match is the searching user's.
  const expected = await db.query<{ q: string; n: number }>(
    `select q, (select count(distinct s.call_id)::int from public.call_transcript_segments s
                 where s.user_id = $1 and to_tsvector('english', s.text) @@ websearch_to_tsquery('english', q)) as n
       from unnest($2::text[]) q`, [user.id, SEARCHES.map((s) => s[1])]);
  for (const { q, n } of expected.rows) {
    const count = await search(q)();
    if (count !== n) throw new Error(`Search ${q} counted ${count} calls, the database ${n}.`);
  }

  await timeEach(WARMUP, baseline);
  for (const [, q] of SEARCHES) await timeEach(WARMUP, search(q));
  const p95s = new Map<string, number[]>([['baseline', []], ...SEARCHES.map(([l]) => [l, []] as [string, number[]])]);
  for (let r = 0; r < ROUNDS; r++) {
    // Interleaved: a baseline request before each search, so both see the same machine.
    const samples = new Map<string, number[]>([...p95s.keys()].map((k) => [k, []]));
    for (let i = 0; i < N; i++) {
      for (const [label, q] of SEARCHES) {
        samples.get('baseline')!.push(...(await timeEach(1, baseline)));
        samples.get(label)!.push(...(await timeEach(1, search(q))));
      }
    }
    for (const [k, xs] of samples) p95s.get(k)!.push(summary(xs).p95);
  }

  console.log(`bench transcript-search: ${LINES} transcript lines in ${CALLS} calls for one user (+${OTHER_LINES} lines of another user), ` +
    `REST as the user; ${ROUNDS} runs of ${N} searches each; p95 per run, median of runs (spread)`);
  const base = medianOfRuns(p95s.get('baseline')!);
  console.log(`  ${'baseline: newest 10 calls + count (indexed select)'.padEnd(52)} p95 ${msSpread(base)}`);
  let met = true;
  for (const [label, , lines] of SEARCHES) {
    const r = medianOfRuns(p95s.get(label)!);
    met &&= r.median <= TARGET_P95_MS;
    console.log(`  ${`search: ${label}`.padEnd(52)} p95 ${msSpread(r)}   ${expected.rows.find((e) => e.q === SEARCHES.find((s) => s[0] === label)![1])!.n} calls, ~${lines} lines match`);
  }
  console.log(`  target p95 <= ${TARGET_P95_MS} ms for every search: ${met ? 'met' : 'NOT met'}`);
} finally {
  // Deleting the accounts removes their calls and transcripts by cascade.
  await user?.remove().catch((e) => console.error(String(e)));
  await other?.remove().catch((e) => console.error(String(e)));
  await db.end().catch(() => undefined);
}
