import pg from 'pg';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { handleHealth } from './handler.ts';

async function pingDatabase(dbUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

Deno.serve(withRequestLog(functionLogger('health'), (req) => handleHealth(req, { env: (name) => Deno.env.get(name), now: () => new Date(), pingDatabase })));
