// The devstack services process: API gateway and stand-ins, over the shared PostgreSQL cluster.
import pg from 'pg';
import { mailService, MailOutbox } from '../auth/mail_outbox.ts';
import { config, dbUrl } from '../config.ts';
import { roleTokenMinter, type HostedKeyRules } from '../gateway/hosted_keys.ts';
import { createGateway, type GatewayServices } from '../gateway/server.ts';
import type { ServiceDeps } from '../gateway/types.ts';
import { projectKeys } from '../keys.ts';
import { loadServices } from './registry.ts';

export async function runServices(): Promise<void> {
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const db = new pg.Pool({ connectionString: dbUrl(), max: 20 });
  db.on('error', (err) => log(`db pool error: ${err.message}`));
  const keys = projectKeys(config);
  const mailOutbox = new MailOutbox();
  const deps: ServiceDeps = {
    config,
    db,
    anonKey: keys.anonKey,
    serviceRoleKey: keys.serviceRoleKey,
    keys,
    jwtKeys: keys.verify,
    mailOutbox,
    log
  };
  const { services, background } = await loadServices(deps);
  const all: GatewayServices = { ...services, mail: mailService(mailOutbox) };
  const hosted: HostedKeyRules | undefined =
    config.profile === 'hosted'
      ? { publishableKey: keys.publishableKey, secretKey: keys.secretKey, legacySecret: keys.legacySecret, roleToken: roleTokenMinter(keys.sign) }
      : undefined;
  const gateway = createGateway(all, {
    publishableKey: keys.publishableKey,
    secretKey: keys.secretKey,
    anonKey: deps.anonKey,
    serviceRoleKey: deps.serviceRoleKey
  }, log, hosted);
  await new Promise<void>((resolve, reject) => {
    gateway.once('error', reject);
    gateway.listen(config.apiPort, '127.0.0.1', () => resolve());
  });
  log(
    `devstack gateway listening on http://127.0.0.1:${config.apiPort} (${config.profile} profile; ` +
      `${Object.keys(services).join(', ') || 'no services'})`
  );

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
