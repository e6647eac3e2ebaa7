// Which services the devstack process runs. Each module exports a factory taking ServiceDeps.
import type { GatewayServices } from '../gateway/server.ts';
import type { ServiceDeps } from '../gateway/types.ts';

export interface BackgroundTask {
  close: () => Promise<void>;
}

export async function loadServices(_deps: ServiceDeps): Promise<{ services: GatewayServices; background: BackgroundTask[] }> {
  const services: GatewayServices = {};
  const background: BackgroundTask[] = [];
  return { services, background };
}
