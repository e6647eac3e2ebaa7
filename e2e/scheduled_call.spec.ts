// A booking made on /schedule is rung by the real machinery: pg_cron's every-minute job → pg_net → the dispatcher
// function → the Twilio stand-in → the media relay. The booking turns into a placed call on the page while it is
// open (realtime), and the call is in the history.
import { expect, test } from '@playwright/test';
import { stackStatus } from '../devstack/src/stack.ts';
import { signUp, uniqueUsNumber, verifyPhone } from './app_helpers.ts';
import { snap } from './screens.ts';

/** The first whole minute at least 75 s ahead (the form wants a minute's notice), as UTC date and time fields. */
function bookableMinute(now: Date): { at: Date; date: string; time: string } {
  const at = new Date(Math.ceil((now.getTime() + 75_000) / 60_000) * 60_000);
  const iso = at.toISOString();
  return { at, date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

test('a call booked a minute ahead is placed by the scheduler and shows up in the history', async ({ page }) => {
  test.setTimeout(240_000);
  await signUp(page, 'Sam', 'scheduled');
  const phone = uniqueUsNumber();
  await verifyPhone(page, phone);
  // The simulated person who answers says one short line and hangs up, so the call also finishes.
  const script = await fetch(`${String(stackStatus().TWILIO_API_BASE)}/devstack/scripts/${encodeURIComponent(phone)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ lines: [{ text: 'Okay, thank you. Goodbye.' }], hangupAfterMs: 1000 })
  });
  expect(script.ok).toBe(true);

  await page.goto('/schedule');
  await page.getByLabel('Who calls').selectOption({ label: 'Brad' });
  await page.getByLabel('Time zone').selectOption('UTC');
  const slot = bookableMinute(new Date());
  await page.getByLabel('Date').fill(slot.date);
  await page.getByLabel('Time', { exact: true }).fill(slot.time);
  await page.getByRole('button', { name: 'Book the call' }).click();
  await expect(page.getByText('Booked. It is in your upcoming calls below.')).toBeVisible();
  const booking = page.getByRole('listitem').filter({ hasText: 'Brad' }).first();
  await expect(booking.getByText('Booked')).toBeVisible();
  await snap(page, 'schedule-booked');

  // Due at slot.at; pg_cron ticks on the minute, so it rings within about a minute of that.
  const link = page.getByRole('link', { name: 'See the call →' }).first();
  await expect(link).toBeVisible({ timeout: slot.at.getTime() - Date.now() + 120_000 });
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
