// A booking made on /schedule is rung by the real machinery: pg_cron's every-minute job → pg_net → the dispatcher
// function → the Twilio stand-in → the media relay. The booking turns into a placed call on the page while it is
// open (realtime), and the call is in the history.
import { expect, test } from '@playwright/test';
import { bookBradAMinuteAhead, calleeSays, freshUsNumber, signUp, verifyPhone } from './app_helpers.ts';
import { snap } from './screens.ts';

test('a call booked a minute ahead is placed by the scheduler and shows up in the history', async ({ page }) => {
  test.setTimeout(240_000);
  await signUp(page, 'Sam', 'scheduled');
  const phone = await freshUsNumber();
  await verifyPhone(page, phone);
  // The simulated person who answers says one short line and hangs up, so the call also finishes.
  await calleeSays(phone, ['Okay, thank you. Goodbye.'], 1000);
  const due = await bookBradAMinuteAhead(page);
  const booking = page.getByRole('listitem').filter({ hasText: 'Brad' }).first();
  await expect(booking.getByText('Booked')).toBeVisible();
  await snap(page, 'schedule-booked');

  // Due at slot.at; pg_cron ticks on the minute, so it rings within about a minute of that.
  const link = page.getByRole('link', { name: 'See the call →' }).first();
  await expect(link).toBeVisible({ timeout: due.getTime() - Date.now() + 120_000 });
  await expect(page.getByRole('listitem').filter({ has: link }).getByText(/^(Placed|Done)$/)).toBeVisible();
  await snap(page, 'schedule-placed');
  const callPath = await link.getAttribute('href');
  expect(callPath).toMatch(/^\/calls\/[0-9a-f-]{36}$/);

  await page.goto('/calls');
  const item = page.getByRole('listitem').filter({ has: page.locator(`a[href="${callPath}"]`) }).first();
  await expect(item).toBeVisible();
  await expect(item.getByText('Brad')).toBeVisible();
  await snap(page, 'schedule-call-in-history');
});
