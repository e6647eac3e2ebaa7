// The operator pages: an account given the operator role (by the service, in app_metadata) sees every user's calls;
// any other account is refused, also after writing the role into its own user_metadata.
import { createClient } from '@supabase/supabase-js';
import { expect, test } from '@playwright/test';
import { stackStatus } from '../devstack/src/stack.ts';
import { finishCall, grantOperator, insertCall, signUp, userIdByEmail } from './app_helpers.ts';

const status = stackStatus();

test('an operator sees another user\'s call; a user who is not one is refused', async ({ browser }) => {
  const userPage = await (await browser.newContext()).newPage();
  const userEmail = await signUp(userPage, 'Ursula', 'op-user');
  const callId = await insertCall(await userIdByEmail(userEmail), 'brad');
  await finishCall(callId, 0);

  // Signed in before the role is granted: the page fetches a token that carries it.
  const opPage = await (await browser.newContext()).newPage();
  const opEmail = await signUp(opPage, 'Otto', 'op-operator');
  await grantOperator(opEmail);
  await opPage.goto('/calls');
  await opPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Operator' }).click();
  await expect(opPage.getByRole('heading', { name: 'Users' })).toBeVisible();
  await expect(opPage.getByRole('cell', { name: userEmail })).toBeVisible();
  await opPage.getByRole('navigation', { name: 'Operator' }).getByRole('link', { name: 'Calls' }).click();
  const row = opPage.getByRole('row').filter({ hasText: userEmail });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Brad');
  await expect(row).toContainText('Completed');
  await expect(row).toContainText('persona hung up');

  // The user has no Operator menu item and /operator is refused.
  await expect(userPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Operator' })).toHaveCount(0);
  const refused = await userPage.goto('/operator/calls');
  expect(refused?.status()).toBe(403);
  await expect(userPage.getByRole('heading', { name: 'Not for your account' })).toBeVisible();
  await expect(userPage.getByText(userEmail)).toHaveCount(0);

  // The same user writes the role into their own metadata, as any signed-in user may: still refused, page and API.
  const client = createClient(String(status.API_URL), String(status.PUBLISHABLE_KEY), { auth: { persistSession: false } });
  expect((await client.auth.signInWithPassword({ email: userEmail, password: 'a-good-password' })).error).toBeNull();
  const { data: updated } = await client.auth.updateUser({ data: { role: 'operator' } });
  expect(updated.user?.user_metadata.role).toBe('operator');
  expect(updated.user?.app_metadata.role).toBeUndefined();
  await client.auth.refreshSession();
  expect((await client.from('operator_calls').select('call_id')).data).toEqual([]);
  expect((await client.from('operator_users').select('user_id')).data).toEqual([]);
  const again = await userPage.goto('/operator');
  expect(again?.status()).toBe(403);
});

test('signed out, /operator asks to sign in', async ({ page }) => {
  await page.goto('/operator/anomalies');
  await expect(page).toHaveURL(/\/login\?next=%2Foperator%2Fanomalies/);
});
