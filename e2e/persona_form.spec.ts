// The customisation form keeps what the user typed: editing one field never puts another back to its saved value.
import { expect, test } from '@playwright/test';
import { signUp, userIdByEmail, withDb } from './app_helpers.ts';

test('typing the notes after changing the nickname keeps the new nickname, and Save stores it', async ({ page }) => {
  const email = await signUp(page, 'Jo', 'persona-form');
  await page.goto('/personas/brad');
  const nickname = page.getByLabel('What should Brad call you?');
  const notes = page.getByLabel('Anything Brad should know or do');
  await nickname.fill('Champ');
  await page.getByRole('button', { name: 'Save Brad' }).click();
  await expect(page.getByText('Saved. Brad will use this on your next call.')).toBeVisible();
  // A fresh visit: the form starts from what the server rendered.
  await page.reload();
  await expect(nickname).toHaveValue('Champ');

  await nickname.fill('Sunshine');
  await page.getByLabel('Who is Brad to you?').selectOption('coach');
  await notes.pressSequentially('Early riser.');
  await expect(nickname).toHaveValue('Sunshine');
  await expect(page.getByLabel('Who is Brad to you?')).toHaveValue('coach');
  await expect(page.getByText('12 / 2,000 characters')).toBeVisible();
  await page.getByRole('button', { name: 'Save Brad' }).click();
  await expect(page.getByText('Saved. Brad will use this on your next call.')).toBeVisible();
  await expect(nickname).toHaveValue('Sunshine');
  await expect(notes).toHaveValue('Early riser.');

  const row = await withDb(async (db) => (await db.query<{ nickname: string; custom_prompt: string; relationship_type: string }>(
    'select nickname, custom_prompt, relationship_type from public.user_persona_relationships where user_id = $1', [await userIdByEmail(email)])).rows[0]);
  expect(row).toEqual({ nickname: 'Sunshine', custom_prompt: 'Early riser.', relationship_type: 'coach' });

  // And after a reload the saved values come back from the database.
  await page.reload();
  await expect(nickname).toHaveValue('Sunshine');
  await expect(notes).toHaveValue('Early riser.');
  await expect(page.getByLabel('Who is Brad to you?')).toHaveValue('coach');

  // Reset puts every field back to Brad's defaults.
  await page.getByRole('button', { name: 'Reset to defaults' }).click();
  await expect(page.getByText("Back to Brad's defaults.")).toBeVisible();
  await expect(nickname).toHaveValue('');
  await expect(notes).toHaveValue('');
  await expect(page.getByLabel('Who is Brad to you?')).toHaveValue('friend');
});
