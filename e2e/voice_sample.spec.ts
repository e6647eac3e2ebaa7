// Hearing a persona before it calls: the sample button on a persona card fetches audio from the
// persona-voice-sample function (text-to-speech stand-in) and plays it; on the customisation page the sample uses
// the sliders as they are, without saving them.
import { expect, test, type Response } from '@playwright/test';
import { signUp, userIdByEmail, withDb } from './app_helpers.ts';
import { snap } from './screens.ts';

const isSample = (r: Response) => r.url().includes('/functions/v1/persona-voice-sample') && r.request().method() === 'GET';

test('a signed-in user hears Brad on the personas page and with unsaved settings on his page', async ({ page }) => {
  const email = await signUp(page, 'Jo', 'voice-sample');
  await page.goto('/personas');
  await expect(page.getByRole('heading', { name: 'Brad' })).toBeVisible();

  const answered = page.waitForResponse(isSample);
  await page.getByRole('button', { name: "Hear Brad's voice" }).click();
  const res = await answered;
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toMatch(/^audio\//);
  // Seconds of 8 kHz 16-bit audio (the bytes themselves are checked by the function's integration test; here the
  // browser proves them playable by decoding them to the end without an error).
  expect(Number(res.headers()['content-length'])).toBeGreaterThan(16_000);
  // Playing: the button turns into Stop, and back when the line has been played to its end.
  const stop = page.getByRole('button', { name: "Stop Brad's voice" });
  await expect(stop).toBeVisible();
  await snap(page, 'voice-sample-playing');
  await expect(page.getByRole('button', { name: "Hear Brad's voice" })).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('#voice-sample-error-a0000000-0000-4000-8000-000000000001')).toHaveText('');

  // Heard once: playing it again needs no new request, and Stop (from the keyboard) stops it.
  let asked = 0;
  page.on('response', (r) => { if (isSample(r)) asked++; });
  await page.getByRole('button', { name: "Hear Brad's voice" }).focus();
  await page.keyboard.press('Enter');
  await expect(stop).toBeVisible();
  await stop.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: "Hear Brad's voice" })).toBeVisible();
  expect(asked).toBe(0);

  // The customisation page samples the slider values before they are saved.
  await page.goto('/personas/brad');
  await page.getByLabel(/^Speed/).fill('1.2');
  await expect(page.locator('output[for="voice_speed"]')).toHaveText('1.20');
  const custom = page.waitForResponse(isSample);
  await page.getByRole('button', { name: 'Hear Brad with these settings' }).click();
  const customRes = await custom;
  expect(customRes.status()).toBe(200);
  expect(new URL(customRes.url()).searchParams.get('voice_speed')).toBe('1.20');
  expect(customRes.headers()['content-type']).toMatch(/^audio\//);
  await expect(page.getByRole('button', { name: "Stop Brad's voice" })).toBeVisible();
  await snap(page, 'voice-sample-customise');
  const saved = await withDb(async (db) => (await db.query('select 1 from public.user_persona_relationships where user_id = $1', [await userIdByEmail(email)])).rowCount);
  expect(saved).toBe(0);
});
