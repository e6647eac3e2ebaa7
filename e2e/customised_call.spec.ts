// Customising a persona shows on the call, in demo mode too: the scripted stand-in for the model reads the prompt
// the relay composes, so the first thing Brad says carries the nickname, the scenario's opening line and the notes.
import { expect, test } from '@playwright/test';
import { calleeSays, freshUsNumber, signUp, verifyPhone } from './app_helpers.ts';

test('a customised Brad greets the user by nickname with the wake-up opening line and recalls their notes', async ({ page }) => {
  test.setTimeout(180_000);
  await signUp(page, 'Jo', 'customised-call');
  const phone = await freshUsNumber();
  await verifyPhone(page, phone);
  await calleeSays(phone, ['Okay, thank you. Goodbye.']);

  await page.goto('/personas/brad');
  await page.getByLabel('What should Brad call you?').fill('Champ');
  await page.getByLabel('Anything Brad should know or do').fill('I am training for a marathon. Be strict about my morning runs.');
  await page.getByRole('button', { name: 'Save Brad' }).click();
  await expect(page.getByText('Saved. Brad will use this on your next call.')).toBeVisible();

  await page.goto('/call?persona=brad');
  await page.getByLabel('What the call is about').selectOption({ label: 'Wake-up call' });
  await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Demo allowance/ }).check();
  await expect(page.getByText('✓ Within your budget')).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Call me now with Brad' }).click();
  await expect(page).toHaveURL(/\/calls\/[0-9a-f-]{36}$/, { timeout: 20_000 });

  const first = page.getByRole('log', { name: 'Transcript' }).locator('.line.persona').first();
  await expect(first).toContainText('Hi Champ, it is Brad. Good morning! Time to get up. I remember what you told me: I am training for a marathon.', { timeout: 60_000 });
});
