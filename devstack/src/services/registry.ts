// Which services the devstack process runs. Each module exports `createService(deps)`; a service that fails to
// load is logged and left out, so the rest of the stack still comes up and says what is missing.
import type { GatewayServices } from '../gateway/server.ts';
import type { Service, ServiceDeps } from '../gateway/types.ts';

export interface BackgroundTask {
  close: () => Promise<void>;
}

interface ServiceModule {
  createService: (deps: ServiceDeps) => Promise<Service>;
}

const GATEWAY_SERVICES: { name: keyof GatewayServices; module: string }[] = [
  { name: 'auth', module: '../auth/service.ts' },
  { name: 'rest', module: '../rest/service.ts' },
  { name: 'realtime', module: '../realtime/service.ts' },
  { name: 'functions', module: '../functions/service.ts' }
];

const BACKGROUND: { name: string; module: string }[] = [
  { name: 'pg_net worker', module: '../pg_net/worker.ts' },
  { name: 'Twilio stand-in', module: '../vendors/twilio/service.ts' },
  { name: 'Stripe stand-in', module: '../vendors/stripe/service.ts' },
  { name: 'AI stand-ins', module: '../vendors/ai_service.ts' }
];

async function load(module: string): Promise<ServiceModule | null> {
  try {
    return (await import(module)) as ServiceModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes(module.slice(3))) return null;
    throw err;
  }
}

export async function loadServices(deps: ServiceDeps): Promise<{ services: GatewayServices; background: BackgroundTask[] }> {
  const services: GatewayServices = {};
  const background: BackgroundTask[] = [];
  for (const s of GATEWAY_SERVICES) {
    try {
      const mod = await load(s.module);
      if (mod) services[s.name] = await mod.createService(deps);
    } catch (err) {
      deps.log(`service ${s.name} failed to start: ${(err as Error).stack ?? err}`);
    }
  }
  for (const b of BACKGROUND) {
    try {
      const mod = await load(b.module);
      if (mod) background.push(await mod.createService(deps) as BackgroundTask & Service);
    } catch (err) {
      deps.log(`${b.name} failed to start: ${(err as Error).stack ?? err}`);
    }
  }
  return { services, background };
}
