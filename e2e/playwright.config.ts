import { defineConfig } from '@playwright/test';
import { chromiumProject } from './chromium_project.ts';
import { config as devstack } from '../devstack/src/config.ts';
import { demoEnv } from '../devstack/src/demo_env.ts';
import { stackStatus } from '../devstack/src/stack.ts';

// Debian's Chromium, never a downloaded browser; the built web app (adapter-node) and the media relay against the
// running devstack, so calls placed from the app are answered and talked through.
const status = stackStatus();
const port = Number(process.env.E2E_WEB_PORT ?? 4173);

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // The production-mode specs run against the hosted profile with their own config (npm run e2e:production).
  testIgnore: 'production/**',
  outputDir: './test-results',
  ...chromiumProject(port),
  webServer: [{
    command: 'node build/web/index.js',
    cwd: '..',
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      ORIGIN: `http://127.0.0.1:${port}`,
      PUBLIC_SUPABASE_URL: String(status.API_URL),
      PUBLIC_SUPABASE_PUBLISHABLE_KEY: String(status.PUBLISHABLE_KEY),
      PUBLIC_DEMO_MODE: 'true',
      PUBLIC_RELAY_URL: `ws://127.0.0.1:${devstack.relayPort}`,
      // The stand-ins have no Voice SDK signalling: browser calls use the softphone.
      PUBLIC_BROWSER_CALLS: 'softphone'
    }
  }, {
    // Reused when one is already listening (npm start runs its own).
    command: 'node media-relay/src/main.ts',
    cwd: '..',
    url: `http://127.0.0.1:${devstack.relayPort}/healthz`,
    reuseExistingServer: true,
    timeout: 30_000,
    env: demoEnv()
  }]
});
