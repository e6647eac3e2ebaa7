// The web app's settings on devstack in demo mode: what `npm start` gives the server, and what the package check
// gives the installed build. Only public values: the web app holds no secret.
import { stackStatus } from './stack.ts';

export function webDemoEnv(relayPort: number): Record<string, string> {
  const status = stackStatus();
  return {
    PUBLIC_SUPABASE_URL: String(status.API_URL),
    PUBLIC_SUPABASE_PUBLISHABLE_KEY: String(status.PUBLISHABLE_KEY),
    PUBLIC_DEMO_MODE: 'true',
    PUBLIC_RELAY_URL: `ws://127.0.0.1:${relayPort}`,
    // The stand-ins have no Voice SDK signalling: browser calls use the softphone.
    PUBLIC_BROWSER_CALLS: 'softphone'
  };
}

/** adapter-node's own settings: where it listens, and the origin it checks form posts against. */
export function adapterNodeEnv(port: number): Record<string, string> {
  return { HOST: '127.0.0.1', PORT: String(port), ORIGIN: `http://127.0.0.1:${port}` };
}
