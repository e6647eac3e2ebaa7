// Password sign-ins per second through the Auth stand-in. bcrypt dominates, so the baseline in the same run is
// pgcrypto's bcrypt check alone at the same cost, on the same number of parallel connections.
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { stack, uniqueEmail } from '../devstack/src/testing/stack_env.ts';

const PARALLEL = 4;
const PER_WORKER = Number(process.env.BENCH_N ?? 15);
const BCRYPT_COST = 10;

const admin = createClient(stack.apiUrl, stack.serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false } });
const password = 'bench-password-123';
// One account per client: the stand-in rate-limits sign-ins per address and e-mail, as GoTrue does.
const users: { id: string; email: string }[] = [];
for (let w = 0; w < PARALLEL; w++) {
  const email = uniqueEmail('bench-signin');
  const created = await admin.auth.admin.createUser({ email, password, email_confirm: true });
  if (created.error) throw created.error;
  users.push({ id: created.data.user!.id, email });
}

async function rate(worker: (w: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: PARALLEL }, async (_, w) => {
    for (let i = 0; i < PER_WORKER; i++) await worker(w);
  }));
  return (PARALLEL * PER_WORKER) / ((performance.now() - t0) / 1000);
}

const pools = new pg.Pool({ connectionString: stack.dbUrl, max: PARALLEL });
try {
  const hash = (await pools.query<{ h: string }>(`select extensions.crypt($1, extensions.gen_salt('bf', ${BCRYPT_COST})) as h`, [password])).rows[0]!.h;
  const baseline = await rate(async () => {
    await pools.query('select extensions.crypt($1, $2) = $2 as ok', [password, hash]);
  });
  const signins = await rate(async (w) => {
    const client = createClient(stack.apiUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
    const { error } = await client.auth.signInWithPassword({ email: users[w]!.email, password });
    if (error) throw error;
  });
  console.log(`bench auth-signin: ${PARALLEL} parallel clients, bcrypt cost ${BCRYPT_COST}`);
  console.log(`  baseline bcrypt check in Postgres   ${baseline.toFixed(1)} /s`);
  console.log(`  password sign-ins via /auth/v1      ${signins.toFixed(1)} /s   (${((signins / baseline) * 100).toFixed(0)} % of the bcrypt bound)`);
} finally {
  for (const u of users) await admin.auth.admin.deleteUser(u.id);
  await pools.end();
}
