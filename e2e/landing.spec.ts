import { expect, test } from '@playwright/test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stackStatus } from '../devstack/src/stack.ts';
import { snap } from './screens.ts';

test('the landing page says what the product does and shows the demo badge', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('call you back');
  await expect(page.getByText('Demo mode')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Get started' })).toBeVisible();
  await snap(page, 'landing');
});

test('pages that need an account send visitors to sign in first', async ({ page }) => {
  await page.goto('/personas');
  await expect(page).toHaveURL(/\/login\?next=%2Fpersonas/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test('no server secret reaches the browser bundle', () => {
  const status = stackStatus();
  const secrets = [String(status.SERVICE_ROLE_KEY), String(status.SECRET_KEY), String(status.JWT_SECRET)];
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
  const files = walk(join(import.meta.dirname, '..', 'build', 'web', 'client'));
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) {
    const text = readFileSync(f, 'latin1');
    for (const s of secrets) expect(text.includes(s), `${f} contains a server secret`).toBe(false);
  }
});
