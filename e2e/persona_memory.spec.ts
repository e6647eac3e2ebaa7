// Persona memory end to end: on a first call the callee tells Brad their sister is called Ana; the call's summary
// shows on the call page and in the history, and on the next call Brad asks after Ana. Once the user has Brad forget
// that (and corrects the summary that mentions her) on the persona page, the third call does not bring her up.
import { expect, test, type Page } from '@playwright/test';
import { calleeSays, freshUsNumber, signUp, verifyPhone } from './app_helpers.ts';
import { snap } from './screens.ts';

/** Places a call now with Brad to the verified number and waits until it has completed; returns its page URL. */
async function callWithBrad(page: Page, phone: string, lines: string[]): Promise<string> {
  await calleeSays(phone, lines);
  await page.goto('/call?persona=brad');
  await expect(page.getByText('✓ Within your budget')).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Call me now with Brad' }).click();
  await expect(page).toHaveURL(/\/calls\/[0-9a-f-]{36}$/, { timeout: 20_000 });
  await expect(page.getByRole('log', { name: 'Transcript' }).locator('.line.persona').first()).toBeVisible({ timeout: 60_000 });
  return page.url();
}

const completed = (page: Page) => expect(page.getByRole('status').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 90_000 });

test('Brad remembers what the callee told him, until the user has him forget it', async ({ page }) => {
  test.setTimeout(360_000);
  await signUp(page, 'Jo', 'memory');
  const phone = await freshUsNumber();
  await verifyPhone(page, phone);

  // First call: the callee mentions their sister. The summary appears on the call page once the call is over.
  const first = await callWithBrad(page, phone, ['Hello? Who is this?', 'My sister is called Ana.', 'Okay, thank you. Goodbye.']);
  const log = page.getByRole('log', { name: 'Transcript' });
  await expect(log.locator('.line.user').filter({ hasText: /sister is called ana/i })).toBeVisible({ timeout: 60_000 });
  await completed(page);
  const summary = page.getByRole('region', { name: 'Summary' });
  await expect(summary).toContainText('They mentioned sister: Ana.', { timeout: 30_000 });
  await snap(page, 'memory-call-summary');
  await page.goto('/calls');
  await expect(page.getByRole('listitem').filter({ has: page.locator(`a[href="${new URL(first).pathname}"]`) })).toContainText('They mentioned sister: Ana.');

  // Second call: Brad asks after Ana in his greeting, live.
  await callWithBrad(page, phone, ['Hello? Who is this?', 'Okay, thank you. Goodbye.']);
  await expect(log.locator('.line.persona').first()).toContainText('How is Ana?');
  await completed(page);
  await expect(summary).toBeVisible({ timeout: 30_000 });

  // The persona page shows what Brad remembers; the user forgets the fact and corrects the summary that names her.
  await page.goto('/personas/brad');
  const facts = page.getByRole('list', { name: 'Facts Brad remembers' });
  await expect(facts.getByRole('listitem')).toHaveCount(1);
  await expect(facts.getByRole('listitem')).toContainText('sister: Ana');
  await snap(page, 'memory-persona-page');
  await facts.getByRole('button', { name: 'Forget sister: Ana' }).click();
  await expect(page.getByText('Forgotten. Brad will not bring it up again.')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Facts Brad remembers' })).toHaveCount(0);
  const earlier = page.getByRole('list', { name: 'Earlier calls Brad remembers' }).getByRole('listitem').filter({ hasText: 'sister: Ana' });
  await earlier.getByText('Edit').click();
  await earlier.getByLabel('Correct this memory').fill('Brad and the user talked on the phone.');
  await earlier.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Earlier calls Brad remembers' })).not.toContainText('Ana');

  // Third call: nobody is asked after.
  await callWithBrad(page, phone, ['Hello? Who is this?', 'Okay, thank you. Goodbye.']);
  await completed(page);
  await expect(log.locator('.line.persona').first()).not.toContainText('How is');
  await expect(log).not.toContainText(/\bAna\b/);

  // Memory can be switched off for Brad, and says what that means.
  await page.goto('/personas/brad');
  await page.getByRole('button', { name: 'Turn memory off' }).click();
  await expect(page.getByText('Memory is off. Brad will not remember your calls.')).toBeVisible();
  await expect(page.getByTestId('memory-state')).toContainText('Calls with Brad are not summarised');
  await page.reload();
  await expect(page.getByRole('button', { name: 'Turn memory on' })).toBeVisible();
});
