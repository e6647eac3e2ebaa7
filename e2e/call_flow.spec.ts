// The whole call, end to end through the running stack: call now → the Twilio stand-in rings the verified number,
// its simulated callee talks to the persona through the media relay → transcript lines arrive live → the call
// completes → the call page explains its charge (provider cost, markup, rounding) → the history and the credit
// ledger show what it cost, the ledger as one line for the call. The e2e config starts the media relay beside the app.
import { expect, test } from '@playwright/test';
import { calleeSays, freshUsNumber, signUp, verifyPhone, withDb } from './app_helpers.ts';
import { snap } from './screens.ts';

test('a call placed from the app is transcribed live, completes and shows its cost in the history', async ({ page }) => {
  test.setTimeout(180_000);
  await signUp(page, 'Jo', 'pipeline');
  const phone = await freshUsNumber();
  await verifyPhone(page, phone);
  // The simulated person who answers says two short lines and hangs up.
  await calleeSays(phone, ['Hello? Who is this?', 'Okay, thank you. Goodbye.']);

  await page.goto('/call?persona=brad');
  // Paid with credits, so the ledger shows the hold and the settlement (charge plus release of the rest).
  await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Credits/ }).check();
  await expect(page.getByText('✓ Within your budget')).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Call me now with Brad' }).click();
  await expect(page).toHaveURL(/\/calls\/[0-9a-f-]{36}$/, { timeout: 20_000 });
  const callUrl = page.url();

  const log = page.getByRole('log', { name: 'Transcript' });
  await expect(log.locator('.line.persona').first()).toBeVisible({ timeout: 60_000 });
  await expect(log.locator('.line.user').first()).toBeVisible({ timeout: 60_000 });
  await snap(page, 'pipeline-call-live');
  await expect(page.getByRole('status').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 90_000 });
  await snap(page, 'pipeline-call-completed');

  // Every cent explained: each provider's cost with its markup, the rounding rule, and the total the ledger charged.
  const callPath = new URL(callUrl).pathname;
  const priced = page.getByRole('region', { name: 'How this call was priced' });
  await expect(priced.getByTestId('charged-total')).toHaveText(/^\d+ credits?\b/, { timeout: 30_000 });
  await expect(priced.getByRole('row', { name: /Twilio/ }).getByText(/^\+\d+(\.\d+)?%$/)).toBeVisible();
  await expect(priced.getByText(/rounded up to the whole cent once per call/i)).toBeVisible();
  await expect(priced.getByText(/released/i)).toBeVisible();
  const charged = Number(/^(\d+)/.exec((await priced.getByTestId('charged-total').textContent()) ?? '')?.[1]);
  const settled = await withDb((db) => db.query<{ actual_cost_cents: number }>(
    'select actual_cost_cents from public.calls where id = $1', [callPath.split('/').at(-1)]));
  expect(charged).toBe(settled.rows[0]?.actual_cost_cents);
  await snap(page, 'pipeline-call-priced');

  await page.goto('/calls');
  const item = page.getByRole('listitem').filter({ has: page.locator(`a[href="${new URL(callUrl).pathname}"]`) }).first();
  await expect(item.getByText('Completed')).toBeVisible();
  await item.getByRole('button', { name: /Show provider costs/ }).click();
  await expect(item.getByText('Twilio · phone line')).toBeVisible();
  await snap(page, 'pipeline-history');

  // The ledger: the call is one line with its net charge; the hold and its release are folded beneath it.
  await page.goto('/billing');
  const lines = page.getByRole('table').getByRole('row').filter({ has: page.locator(`a[href="${callPath}"]`) });
  await expect(lines).toHaveCount(1);
  await expect(lines.getByTestId('line-change')).toHaveText(new RegExp(`^[−-]${charged}$`));
  await lines.getByText('Hold and release').click();
  await expect(lines.getByText('Held for the call')).toBeVisible();
  await expect(lines.getByText(/^Released/)).toBeVisible();
  await snap(page, 'pipeline-ledger');

  // The pricing page: the formula, the markup and one price worked through with the rates in effect.
  await page.getByRole('link', { name: 'how calls are priced' }).click();
  await expect(page.getByText('Charged = provider cost × (1 + markup)')).toBeVisible();
  await expect(page.getByText(/plus a markup of \d+(\.\d+)?%/)).toBeVisible();
  await expect(page.getByTestId('price-example')).toHaveText(/\$[\d.]+ per .+ \+\d+(\.\d+)?% = \$[\d.]+ per /);
  await snap(page, 'pricing');
});
