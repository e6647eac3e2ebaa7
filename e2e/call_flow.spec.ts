// The whole call, end to end through the running stack: call now → the Twilio stand-in rings the verified number,
// its simulated callee talks to the persona through the media relay → transcript lines arrive live → the call
// completes → the history shows what it cost. The e2e config starts the media relay beside the app.
import { expect, test } from '@playwright/test';
import { calleeSays, freshUsNumber, signUp, verifyPhone } from './app_helpers.ts';
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

  await page.goto('/calls');
  const item = page.getByRole('listitem').filter({ has: page.locator(`a[href="${new URL(callUrl).pathname}"]`) }).first();
  await expect(item.getByText('Completed')).toBeVisible();
  await item.getByRole('button', { name: /Show provider costs/ }).click();
  await expect(item.getByText('Twilio · phone line')).toBeVisible();
  await snap(page, 'pipeline-history');

  await page.goto('/billing');
  const ledger = page.getByRole('table');
  await expect(ledger.getByText('Held for a call')).toBeVisible({ timeout: 20_000 });
  await expect(ledger.getByText('Call settled')).toBeVisible({ timeout: 20_000 });
  await snap(page, 'pipeline-ledger');
});
