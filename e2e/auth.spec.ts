import { expect, test } from '@playwright/test';
import { snap } from './screens.ts';

const email = () => `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.test`;

test('a new user signs up, sees the personas, signs out and signs back in', async ({ page }) => {
  const address = email();
  await page.goto('/signup');
  await page.getByLabel('Your first name').fill('Robin');
  await page.getByLabel('E-mail').fill(address);
  await page.getByLabel('Password').fill('a-good-password');
  await snap(page, 'signup');
  await page.getByRole('button', { name: 'Create account' }).click();
  // New accounts start by verifying a phone number; personas are one click away.
  await expect(page).toHaveURL(/\/onboarding/);
  await expect(page.getByRole('heading', { name: 'Verify your phone' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Personas' }).click();
  await expect(page).toHaveURL(/\/personas/);
  for (const name of ['Brad', 'Sarah', 'Alex']) await expect(page.getByRole('heading', { name })).toBeVisible();
  await snap(page, 'personas');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/login');
  await page.getByLabel('E-mail').fill(address);
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('do not match');
  await page.getByLabel('Password').fill('a-good-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/personas/);
});
