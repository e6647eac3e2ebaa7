// The hosted-profile devstack that the production-mode e2e runs against: its own state directory and ports, so it
// runs beside a default stack (npm start) and beside the hosted stacks of the integration suites without touching
// them. HOSTED_E2E_PORT_BASE moves every port (default 54620); HOSTED_E2E_DIR the state directory. Auth's Site URL is
// the production web app the e2e serves, so mail links and Checkout return land there.
import { hostedStackEnvAt, portBase } from './hosted_stack.ts';

export function productionStackEnv(): Record<string, string> {
  const base = portBase('HOSTED_E2E_PORT_BASE', 54620);
  return hostedStackEnvAt(base, process.env.HOSTED_E2E_DIR ?? '.devstack-e2e-hosted', base + 54);
}
