import { defineConfig } from '@playwright/test';
import { chromiumProject } from '../chromium_project.ts';
import { config as devstack } from '../../devstack/src/config.ts';
import { standInEnv } from '../../devstack/src/demo_env.ts';
import { stackStatus } from '../../devstack/src/stack.ts';

// Production mode: the web app built as for production with demo mode off and the project's publishable key, the
// media relay with production settings only, both against devstack's hosted profile (asymmetric JWTs, sb_ keys,
// e-mail confirmation, extensions and Vault secrets set up as on the platform), the vendor stand-ins standing for
// the real vendors. The runner (npm run e2e:production) starts that stack on its own directory and ports.
const status = stackStatus();
if (status.PROFILE !== 'hosted') {
  throw new Error('The production-mode e2e needs the hosted profile: run it with "npm run e2e:production".');
}
const port = Number(process.env.E2E_WEB_PORT);

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../test-results/production',
  ...chromiumProject(port),
  webServer: [{
    command: 'node build/web/index.js',
    cwd: '../..',
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      ORIGIN: `http://127.0.0.1:${port}`,
      PUBLIC_SUPABASE_URL: String(status.API_URL),
      PUBLIC_SUPABASE_PUBLISHABLE_KEY: String(status.PUBLISHABLE_KEY),
      PUBLIC_DEMO_MODE: 'false',
      PUBLIC_BROWSER_CALLS: 'off'
    }
  }, {
    command: 'node media-relay/src/main.ts',
    cwd: '../..',
    url: `http://127.0.0.1:${devstack.relayPort}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: { ...standInEnv(), SUPABASE_URL: String(status.API_URL), SUPABASE_PUBLISHABLE_KEY: String(status.PUBLISHABLE_KEY) }
  }]
});
