// A persona and a scenario of the user's own, end to end: create a persona with a voice from the TTS vendor's list,
// write a scenario and "Use" it, call with both in demo mode (the scripted model reads the relay's prompt, so the
// persona's name, the scenario's opening line and the persona's description are what it says first), then edit and delete the persona; the
// call history still names it.
import { expect, test, type Page } from '@playwright/test';
import { calleeSays, freshUsNumber, signUp, verifyPhone } from './app_helpers.ts';
import { snap } from './screens.ts';

const fitsWidth = async (page: Page, width: number) =>
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

test('a user creates a persona with a chosen voice, calls with it and a scenario of their own, edits and deletes it', async ({ page }) => {
  test.setTimeout(180_000);
  await signUp(page, 'Io', 'own-persona');
  const phone = await freshUsNumber();
  await verifyPhone(page, phone);
  await calleeSays(phone, ['Okay, I am up. Goodbye.']);

  // A scenario of their own, used from its card.
  await page.goto('/scenarios');
  await page.getByLabel('Name').fill('Gym nudge');
  await page.getByLabel('What should the persona do?').fill('Get me to the gym before work.');
  await page.getByLabel('First thing they say').fill('Rise and shine, gym time!');
  await page.getByRole('button', { name: 'Save scenario' }).click();
  await expect(page.getByText('“Gym nudge” saved.')).toBeVisible();

  // The persona: each field keeps what was typed while the others are filled.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/personas');
  await page.getByRole('link', { name: 'Create your own persona' }).click();
  await expect(page).toHaveURL(/\/personas\/new$/);
  await page.getByRole('button', { name: 'Create persona' }).click();
  await expect(page.getByText('Give the persona a name.')).toBeVisible();
  await expect(page.getByText('Pick a voice from the list.')).toBeVisible();
  await page.getByLabel('Name').fill('Nova');
  // A voice can be heard before the persona exists: nothing to hear until one is picked.
  await expect(page.getByRole('button', { name: 'Pick a voice to hear it' })).toBeDisabled();
  await page.getByLabel('Voice').selectOption({ label: 'Rachel (female, american)' });
  const sample = page.waitForResponse((r) => r.url().includes('/functions/v1/persona-voice-sample?voice_id=21m00Tcm4TlvDq8ikWAM'));
  await page.getByRole('button', { name: 'Hear Rachel' }).click();
  const heard = await sample;
  expect([heard.status(), heard.headers()['content-type']]).toEqual([200, 'audio/wav']);
  await expect(page.getByRole('button', { name: "Stop Rachel's voice" })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Hear Rachel' })).toBeVisible({ timeout: 20_000 });
  await page.getByLabel('Traits').fill('calm, witty');
  await page.getByLabel('Who is this persona and how do they talk?').fill('A retired astronaut who is calm and loves a pun.');
  await expect(page.getByLabel('Name')).toHaveValue('Nova');
  await expect(page.getByLabel('Voice')).toHaveValue('21m00Tcm4TlvDq8ikWAM');
  await expect(page.getByLabel('Traits')).toHaveValue('calm, witty');
  await fitsWidth(page, 390);
  await snap(page, 'persona-new-390');
  await page.getByRole('button', { name: 'Create persona' }).click();
  await expect(page).toHaveURL(/\/personas\/own-[0-9a-f]{16}\?created=1$/);
  await expect(page.getByText('Nova is ready.')).toBeVisible();
  await fitsWidth(page, 390);
  await page.setViewportSize({ width: 1280, height: 800 });

  // "Use" on the scenario card opens the call form with it chosen; the call is with Nova.
  await page.goto('/scenarios');
  await page.getByRole('link', { name: 'Use Gym nudge' }).click();
  await expect(page).toHaveURL(/\/call\?scenario=[0-9a-f-]{36}$/);
  await expect(page.getByLabel('What the call is about')).toHaveValue(/^[0-9a-f-]{36}$/);
  await expect(page.getByLabel('What the call is about').locator('option:checked')).toHaveText('Gym nudge');
  await page.getByRole('radio', { name: 'Nova' }).check({ force: true });
  await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Demo allowance/ }).check();
  await expect(page.getByText('✓ Within your budget')).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Call me now with Nova' }).click();
  await expect(page).toHaveURL(/\/calls\/[0-9a-f-]{36}$/, { timeout: 20_000 });
  const callUrl = page.url();
  const first = page.getByRole('log', { name: 'Transcript' }).locator('.line.persona').first();
  await expect(first).toContainText('Hi, it is Nova. Rise and shine, gym time!', { timeout: 60_000 });
  // The scripted model reads the persona's description from the prompt, as a real one would take it on.
  await expect(first).toContainText('As you made me: a retired astronaut who is calm and loves a pun.');

  // Edit, then delete: gone from the pickers, still named in the call's history.
  const personaUrl = await page.goto('/personas').then(() => page.getByRole('link', { name: 'Edit Nova' }).getAttribute('href'));
  await page.goto(personaUrl!);
  await page.getByLabel('Name').fill('Nova Prime');
  await page.getByRole('button', { name: 'Save persona' }).click();
  await expect(page.getByText('Saved. Nova Prime will be like this on your next call.')).toBeVisible();
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Delete Nova Prime' }).click();
  await expect(page).toHaveURL(/\/personas\?deleted=/);
  await expect(page.getByText('Nova Prime was deleted.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Nova Prime' })).toHaveCount(0);
  await page.goto('/call');
  await expect(page.getByRole('radio', { name: 'Nova Prime' })).toHaveCount(0);
  await page.goto(callUrl);
  await expect(page.getByText('Nova Prime').first()).toBeVisible();
});

test('a scenario of one\'s own is edited without other fields resetting, and built-in ones can be used but not edited', async ({ page }) => {
  await signUp(page, 'Ra', 'own-scenario');
  await page.goto('/scenarios');
  await page.getByLabel('Name').fill('Plant care');
  await page.getByLabel('What should the persona do?').fill('Remind me to water the plants.');
  await page.getByRole('button', { name: 'Save scenario' }).click();
  await page.getByRole('link', { name: 'Edit Plant care' }).click();
  await expect(page).toHaveURL(/\/scenarios\/[0-9a-f-]{36}$/);
  await page.getByLabel('Name').fill('Plant duty');
  await page.getByLabel('First thing they say').fill('Your ferns are thirsty!');
  await page.getByLabel('Usual length (minutes)').fill('3');
  await expect(page.getByLabel('Name')).toHaveValue('Plant duty');
  await expect(page.getByLabel('What should the persona do?')).toHaveValue('Remind me to water the plants.');
  await page.getByRole('button', { name: 'Save scenario' }).click();
  await expect(page.getByText('“Plant duty” saved.')).toBeVisible();
  await expect(page.getByText('3 min').first()).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await fitsWidth(page, 390);
  await snap(page, 'scenarios-390');

  const builtIn = page.getByRole('link', { name: 'Use Wake-up call' });
  await builtIn.click();
  await expect(page.getByLabel('What the call is about').locator('option:checked')).toHaveText('Wake-up call');
  await page.goto('/scenarios');
  await expect(page.getByRole('link', { name: 'Edit Wake-up call' })).toHaveCount(0);
});
