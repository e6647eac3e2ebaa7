// The devstack services process: API gateway and stand-ins, over the shared PostgreSQL cluster.
import pg from 'pg';
import { config, dbUrl } from '../config.ts';
import { createGateway, type GatewayServices } from '../gateway/server.ts';
import type { ServiceDeps } from '../gateway/types.ts';
import { legacyApiKey } from '../keys.ts';
import { loadServices } from './registry.ts';

export async function runServices(): Promise<void> {
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const db = new pg.Pool({ connectionString: dbUrl(), max: 20 });
  db.on('error', (err) => log(`db pool error: ${err.message}`));
  const deps: ServiceDeps = {
    config,
    db,
    anonKey: legacyApiKey('anon', config.jwtSecret),
    serviceRoleKey: legacyApiKey('service_role', config.jwtSecret),
    log
  };
  const { services, background } = await loadServices(deps);
  const gateway = createGateway(services as GatewayServices, {
    publishableKey: config.publishableKey,
    secretKey: config.secretKey,
    anonKey: deps.anonKey,
    serviceRoleKey: deps.serviceRoleKey
  }, log);
  await new Promise<void>((resolve, reject) => {
    gateway.once('error', reject);
    gateway.listen(config.apiPort, '127.0.0.1', () => resolve());
  });
  log(`devstack gateway listening on http://127.0.0.1:${config.apiPort} (${Object.keys(services).join(', ') || 'no services'})`);

  const shutdown = async () => {
    log('devstack services stopping');
    gateway.close();
    gateway.closeAllConnections();
    for (const s of Object.values(services)) await s?.close?.().catch(() => undefined);
    for (const b of background) await b.close().catch(() => undefined);
    await db.end().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
