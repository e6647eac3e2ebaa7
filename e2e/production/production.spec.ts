// The product in production mode, as a new customer meets it: demo mode off, a project that confirms e-mail, keys
// and tokens as on the hosted platform, scheduled calls dialled by pg_cron through pg_net with a secret key.
import { expect, test, type Page } from '@playwright/test';
import { stackStatus } from '../../devstack/src/stack.ts';
import { bookBradAMinuteAhead, calleeSays, freshUsNumber, setPerCallLimit, uniqueEmail, verifyPhone } from '../app_helpers.ts';
import { snap } from '../screens.ts';

const status = stackStatus();

/** The newest mail devstack's outbox holds for `to`, as its confirmation or recovery link. */
async function mailLink(to: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${String(status.API_URL)}/devstack/mail?to=${encodeURIComponent(to)}`);
    if (res.ok) {
      const mails = (await res.json()) as Record<string, unknown>[];
      const last = mails.at(-1);
      if (last) {
        const text = [last.link, last.text, last.html].filter((v) => typeof v === 'string').join(' ');
        const link = /https?:\/\/[^\s"'<>]+\/auth\/v1\/verify\?[^\s"'<>]+/.exec(text)?.[0];
        if (link) return link.replace(/&amp;/g, '&');
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`No mail with a link in the outbox for ${to}`);
}

async function signUpAndConfirm(page: Page, name: string): Promise<string> {
  const email = uniqueEmail('prod');
  await page.goto('/signup');
  await page.getByLabel('Your first name').fill(name);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('a-good-password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
  // Not signed in until the address is confirmed.
  await page.goto('/call');
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('a-good-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Confirm your e-mail address first');
  // The link in the mail confirms the address and signs in, then phone verification is next.
  await page.goto(await mailLink(email));
  await expect(page).toHaveURL(/\/onboarding/);
  return email;
}

test('production mode: confirm the e-mail, verify the phone, buy credits, call now, a scheduled call, a budget refusal, sign out', async ({ page }) => {
  test.setTimeout(360_000);
  await test.step('sign up with the confirmation mail', async () => {
    await signUpAndConfirm(page, 'Robin');
    await expect(page.getByText('Demo mode')).toHaveCount(0);
    await snap(page, 'production-confirmed');
  });

  const phone = await freshUsNumber();
  await test.step('verify the phone', async () => {
    await verifyPhone(page, phone);
  });

  await test.step('buy credits through Checkout and the signed webhook', async () => {
    await page.goto('/billing');
    await page.getByRole('button', { name: 'Buy 500 credits for $5.00' }).click();
    await page.waitForURL((url) => url.port === new URL(String(status.STRIPE_API_BASE)).port, { timeout: 15_000 });
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(/\/billing\?checkout=success/, { timeout: 20_000 });
    await expect(page.getByText('Credit pack').first()).toBeVisible({ timeout: 20_000 });
  });

  await test.step('call now: live transcript, completion, settlement', async () => {
    await calleeSays(phone, ['Hello? Who is this?', 'Okay, thank you. Goodbye.']);
    await page.goto('/call?persona=brad');
    // No demo allowance and no browser call in production mode unless configured.
    await expect(page.getByRole('radio', { name: /^Demo allowance/ })).toHaveCount(0);
    await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Credits/ }).check();
    await expect(page.getByText('✓ Within your budget')).toBeVisible({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Call me now with Brad' }).click();
    await expect(page).toHaveURL(/\/calls\/[0-9a-f-]{36}$/, { timeout: 20_000 });
    const log = page.getByRole('log', { name: 'Transcript' });
    await expect(log.locator('.line.persona').first()).toBeVisible({ timeout: 60_000 });
    await expect(log.locator('.line.user').first()).toBeVisible({ timeout: 60_000 });
    await expect(page.getByRole('status').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 90_000 });
    await snap(page, 'production-call-completed');
    const callPath = new URL(page.url()).pathname;
    await page.goto('/billing');
    // One line for the call: its net charge once settled, the hold and the release folded beneath it.
    const line = page.getByRole('table').getByRole('row').filter({ has: page.locator(`a[href="${callPath}"]`) });
    await expect(line).toHaveCount(1);
    await expect(line.getByTestId('line-change')).toHaveText(/^[−-]\d+$/, { timeout: 30_000 });
    await line.getByText('Hold and release').click();
    await expect(line.getByText('Released when it settled')).toBeVisible();
  });

  await test.step('a scheduled call is dialled by pg_cron through pg_net with the secret key, and talks to the end', async () => {
    await calleeSays(phone, ['Okay, thank you. Goodbye.']);
    const due = await bookBradAMinuteAhead(page);
    const link = page.getByRole('link', { name: 'See the call →' }).first();
    await expect(link).toBeVisible({ timeout: due.getTime() - Date.now() + 120_000 });
    await snap(page, 'production-scheduled-placed');
    await link.click();
    await expect(page.getByRole('status').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 90_000 });
  });

  await test.step('a call over the per-call budget is refused before it rings', async () => {
    await setPerCallLimit(page, '0.01');
    await page.goto('/call?persona=brad');
    await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Credits/ }).check();
    await expect(page.getByRole('alert')).toContainText(/per-call limit/);
    await expect(page.getByRole('button', { name: 'Call me now with Brad' })).toBeDisabled();
  });

  await test.step('sign out ends the session', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/calls');
    await expect(page).toHaveURL(/\/login\?next=/);
  });
});
