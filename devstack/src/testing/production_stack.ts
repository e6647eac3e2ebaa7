// The hosted-profile devstack that the production-mode e2e runs against: its own state directory and ports, so it
// runs beside a default stack (npm start) and beside the hosted stacks of the integration suites without touching
// them. HOSTED_E2E_PORT_BASE moves every port (default 54620); HOSTED_E2E_DIR the state directory.
export function productionStackEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const first = Number(base.HOSTED_E2E_PORT_BASE ?? 54620);
  if (!Number.isInteger(first) || first < 1024 || first > 65000) {
    throw new Error(`HOSTED_E2E_PORT_BASE must be a whole number between 1024 and 65000, got "${base.HOSTED_E2E_PORT_BASE}".`);
  }
  const webPort = String(first + 54);
  return {
    DEVSTACK_PROFILE: 'hosted',
    DEVSTACK_LEGACY_KEYS: '',
    DEVSTACK_DIR: base.HOSTED_E2E_DIR ?? '.devstack-e2e-hosted',
    DEVSTACK_API_PORT: String(first + 1),
    DEVSTACK_DB_PORT: String(first + 2),
    DEVSTACK_TWILIO_PORT: String(first + 20),
    DEVSTACK_STRIPE_PORT: String(first + 21),
    DEVSTACK_DEEPGRAM_PORT: String(first + 22),
    DEVSTACK_ELEVENLABS_PORT: String(first + 23),
    DEVSTACK_LLM_PORT: String(first + 24),
    RELAY_PORT: String(first + 67),
    WEB_PORT: String(first + 53),
    E2E_WEB_PORT: webPort,
    // The production web app's origin: Auth's Site URL (mail links land there) and Checkout's return address.
    SITE_URL: `http://127.0.0.1:${webPort}`
  };
}
