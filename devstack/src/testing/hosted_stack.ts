// The hosted-profile devstack that production-mode tests run against: its own state directory and ports, so it
// runs beside a default stack (npm start) without touching it. Overridable for machines where these ports are taken.
export function hostedStackEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const port = (name: string, fallback: number) => base[`HOSTED_${name}`] ?? String(fallback);
  const webPort = port('E2E_WEB_PORT', 4183);
  return {
    DEVSTACK_PROFILE: 'hosted',
    DEVSTACK_DIR: base.HOSTED_DEVSTACK_DIR ?? '.devstack-hosted',
    DEVSTACK_DB_PORT: port('DB_PORT', 54522),
    DEVSTACK_API_PORT: port('API_PORT', 54521),
    DEVSTACK_TWILIO_PORT: port('TWILIO_PORT', 54540),
    DEVSTACK_STRIPE_PORT: port('STRIPE_PORT', 54541),
    DEVSTACK_DEEPGRAM_PORT: port('DEEPGRAM_PORT', 54542),
    DEVSTACK_ELEVENLABS_PORT: port('ELEVENLABS_PORT', 54543),
    DEVSTACK_LLM_PORT: port('LLM_PORT', 54544),
    RELAY_PORT: port('RELAY_PORT', 8797),
    WEB_PORT: port('WEB_PORT', 5183),
    E2E_WEB_PORT: webPort,
    // The production web app's origin: Auth's site URL (mail links) and Checkout's return address.
    SITE_URL: `http://127.0.0.1:${webPort}`
  };
}
