// Direct Postgres access for commands that must be atomic (money, calls): the ledger functions live in a schema the
// Data API does not expose, so functions reach them over SUPABASE_DB_URL, never through REST.
import pg from 'pg';

export type Db = pg.Pool;
export type Tx = pg.PoolClient;

let pool: pg.Pool | null = null;

export function database(url: string): Db {
  // One small pool per worker: an edge worker handles a few requests at a time.
  pool ??= new pg.Pool({ connectionString: url, max: 4, idleTimeoutMillis: 10_000 });
  return pool;
}

export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const tx = await db.connect();
  try {
    await tx.query('begin');
    const out = await fn(tx);
    await tx.query('commit');
    return out;
  } catch (err) {
    await tx.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}
