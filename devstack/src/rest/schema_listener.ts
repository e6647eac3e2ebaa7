// LISTEN pgrst on a dedicated connection: `NOTIFY pgrst` (or `NOTIFY pgrst, 'reload schema'`) reloads the cache.
import pg from 'pg';
import type { DevstackConfig } from '../config.ts';
import type { SchemaCache } from './schema_cache.ts';

export interface Listener {
  close: () => Promise<void>;
}

export function listenForReloads(config: DevstackConfig, cache: SchemaCache, log: (line: string) => void): Listener {
  let closed = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;

  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, 1000);
    timer.unref();
  };

  const connect = async () => {
    const c = new pg.Client({
      host: config.dbHost,
      port: config.dbPort,
      user: 'postgres',
      password: config.dbPassword,
      database: 'postgres',
      application_name: 'devstack rest schema listener'
    });
    c.on('error', (err) => log(`rest: schema listener error: ${err.message}`));
    c.on('end', () => {
      if (client === c) client = null;
      retry();
    });
    c.on('notification', (msg) => {
      if (msg.channel !== 'pgrst') return;
      const payload = (msg.payload ?? '').trim();
      if (payload === '' || payload === 'reload schema') void cache.reload().catch(() => undefined);
    });
    try {
      await c.connect();
      await c.query('listen pgrst');
      if (closed) {
        await c.end();
        return;
      }
      client = c;
      // Anything changed while we were not listening is picked up now.
      void cache.reload().catch(() => undefined);
    } catch (err) {
      log(`rest: schema listener could not connect: ${(err as Error).message}`);
      await c.end().catch(() => undefined);
    }
  };

  void connect();
  return {
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => undefined);
    }
  };
}
