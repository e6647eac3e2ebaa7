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
  // The signed-in home is the dashboard.
  await expect(page).toHaveURL(/\/dashboard$/);
});

// A link to our sign-in page that carries someone else's site in `next` must land on one of our pages, whether the
// person signs in through it or is signed in already.
const CRAFTED_NEXT = ['/%5Cevil.example/phish', '/.//evil.example/phish', '/%252e%252e//evil.example/phish', '/%09/evil.example/phish'];

// A redirect off-site fails the navigation itself (evil.example does not resolve), or lands on another origin.
test('signing in through a crafted next= link ends on this site', async ({ page, baseURL }) => {
  const address = email();
  await page.goto('/signup');
  await page.getByLabel('Your first name').fill('Robin');
  await page.getByLabel('E-mail').fill(address);
  await page.getByLabel('Password').fill('a-good-password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/onboarding/);
  const origin = new URL(baseURL!).origin;

  for (const next of CRAFTED_NEXT) {
    // Already signed in: the page sends the visitor straight on.
    await page.goto(`/login?next=${next}`);
    expect(new URL(page.url()).origin, `signed in, next=${next}`).toBe(origin);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/$/);
    await page.goto(`/login?next=${next}`);
    await page.getByLabel('E-mail').fill(address);
    await page.getByLabel('Password').fill('a-good-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname !== '/login' || url.origin !== origin);
    expect(new URL(page.url()).origin, `signing in, next=${next}`).toBe(origin);
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  }
});
