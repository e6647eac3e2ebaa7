import { StackError } from '../db/cluster.ts';
import { startStack, stackStatus } from '../stack.ts';

export async function main(): Promise<void> {
  const t0 = performance.now();
  try {
    const r = await startStack();
    const s = stackStatus();
    const secs = ((performance.now() - t0) / 1000).toFixed(2);
    console.log(`devstack ${r.cold ? 'created and started' : r.database === 'started' ? 'started' : 'already running'} in ${secs} s`);
    if (r.migrations.base) console.log('  applied the Supabase base');
    for (const m of r.migrations.applied) console.log(`  applied migration ${m}`);
    if (r.migrations.seeded) console.log('  applied supabase/seed.sql');
    console.log(`  API_URL  ${s.API_URL}\n  DB_URL   ${s.DB_URL}`);
  } catch (err) {
    console.error(err instanceof StackError || err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
