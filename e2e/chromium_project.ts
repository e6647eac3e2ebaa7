// What every e2e project shares: one worker in order (the specs share a stack), and Debian's Chromium, never a
// downloaded browser, with the flags this machine's closed network needs.
import type { PlaywrightTestConfig } from '@playwright/test';

export function chromiumProject(webPort: number): Pick<PlaywrightTestConfig, 'fullyParallel' | 'workers' | 'retries' | 'timeout' | 'reporter' | 'use'> {
  return {
    fullyParallel: false,
    workers: 1,
    retries: 0,
    timeout: 60_000,
    reporter: [['list']],
    use: {
      baseURL: `http://127.0.0.1:${webPort}`,
      trace: 'off',
      screenshot: 'only-on-failure',
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
      }
    }
  };
}
