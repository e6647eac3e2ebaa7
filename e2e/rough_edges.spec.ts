// Rough edges a new user meets: a typed /logout, a page number past the end, country codes, a stale tab title, and
// sentences that run words together or leave out their unit.
import { expect, test } from '@playwright/test';
import { finishCall, freshUsNumber, insertCall, setPerCallLimit, signUp, userIdByEmail, verifyPhone, withDb } from './app_helpers.ts';

test('GET /logout asks before signing out, and sends someone signed out to sign in', async ({ page }) => {
  const signedOut = await page.goto('/logout');
  expect(signedOut?.status()).toBe(200);
  await expect(page).toHaveURL(/\/login$/);

  const email = await signUp(page, 'Jo', 'logout');
  const res = await page.goto('/logout');
  expect(res?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Sign out?' })).toBeVisible();
  await expect(page.getByText(`You are signed in as ${email}.`)).toBeVisible();
  await page.getByRole('main').getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.goto('/calls');
  await expect(page).toHaveURL(/\/login\?next=%2Fcalls/);
});

test('a history page past the last one shows the last page with a way back, not an error', async ({ page }) => {
  const userId = await userIdByEmail(await signUp(page, 'Jo', 'pages-past-end'));
  const empty = await page.goto('/calls?page=3');
  expect(empty?.status()).toBe(200);
  await expect(page.getByText('No calls yet.')).toBeVisible();

  for (let i = 0; i < 12; i++) await insertCall(userId, 'brad', { status: 'completed' });
  const res = await page.goto('/calls?page=3');
  expect(res?.status()).toBe(200);
  await expect(page.getByText('There is no page 3; this is the last page of your calls.')).toBeVisible();
  await expect(page.getByText('Page 2 of 2')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Calls' }).getByRole('listitem')).toHaveCount(2);
  await page.getByRole('link', { name: 'Back to the newest' }).click();
  await expect(page).toHaveURL(/\/calls$/);
  await expect(page.getByText('Page 1 of 2')).toBeVisible();
});

test('a number from a country we do not call is refused with the country\'s name', async ({ page }) => {
  await signUp(page, 'Jo', 'country-name');
  await page.getByLabel('Phone number, with country code').fill('+44 7781 123456');
  await page.getByRole('button', { name: 'Send code' }).click();
  await expect(page.getByText(/We cannot call numbers in Guernsey yet\. Use a number from one of these countries: United States, Canada, United Kingdom/)).toBeVisible();
  await expect(page.getByText(/numbers in GG/)).toHaveCount(0);
});

test('the tab title follows the call\'s live status, and the demo charge reads as a sentence', async ({ page }) => {
  const userId = await userIdByEmail(await signUp(page, 'Jo', 'tab-title'));
  const callId = await insertCall(userId, 'oliver', { status: 'queued' });
  await page.goto(`/calls/${callId}`);
  await expect(page).toHaveTitle('Oliver · Queued · Call Me Back');
  await expect(page.getByText('● Live')).toBeVisible({ timeout: 15_000 });

  // Ringing, answered, then over, the way the pipeline moves it.
  await withDb((db) => db.query(`update public.calls set status = 'in_progress', answered_at = now() where id = $1`, [callId]));
  await expect(page).toHaveTitle('Oliver · Connected · Call Me Back', { timeout: 15_000 });
  await finishCall(callId, 0);
  await withDb((db) => db.query('update public.calls set actual_cost_cents = 2 where id = $1', [callId]));
  await expect(page.getByRole('status').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 15_000 });
  await expect(page).toHaveTitle('Oliver · Completed · Call Me Back');
  await expect(page.getByText('$0.02 (demo: not billed)')).toBeVisible();

  // Leaving the call page leaves its title behind too.
  await page.getByRole('link', { name: '← All calls' }).click();
  await expect(page).toHaveURL(/\/calls$/);
  await expect(page).toHaveTitle('Your calls · Call Me Back');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Personas' }).click();
  await expect(page).toHaveTitle('Personas · Call Me Back');
});

test('a settled call reads as a sentence in the credit history', async ({ page }) => {
  const userId = await userIdByEmail(await signUp(page, 'Jo', 'ledger-words'));
  // A credits call held and settled through the ledger's own functions, as the pipeline does it; credits granted
  // first, as a promotion (a new account has none until it is onboarded).
  const id = await withDb(async (db) => {
    await db.query(`select private.grant_credits($1::uuid, 100, 'promo', 'e2e-promo-' || $1::text, null, null, 'Promotion')`, [userId]);
    const call = await db.query<{ id: string }>(
      `insert into public.calls (user_id, persona_id, mode, phone_number, status, payment_method, max_duration_seconds, estimated_cost_cents)
       select $1, p.id, 'phone', '+14155550100', 'queued', 'credits', 300, 45 from public.personas p where p.slug = 'brad' returning id`, [userId]);
    const callId = call.rows[0]!.id;
    await db.query(`select private.reserve_call_credits($1, $2::uuid, 45, 'e2e-hold-' || $2::text)`, [userId, callId]);
    await db.query(`update public.calls set status = 'completed', answered_at = now(), duration_seconds = 10, end_reason = 'persona_hung_up' where id = $1`, [callId]);
    await db.query(`select private.settle_call($1::uuid, 0.01, 0, 'e2e-settle-' || $1::text)`, [callId]);
    return callId;
  });
  await page.goto('/billing');
  // One line for the call, named for its persona and linked to it; the hold and the release folded beneath it.
  const line = page.getByRole('row').filter({ has: page.locator(`a[href="/calls/${id}"]`) });
  await expect(line).toHaveCount(1);
  await expect(line.getByRole('link', { name: 'Call with Brad' })).toBeVisible();
  await line.getByText('Hold and release').click();
  await expect(line.getByText('Held for the call')).toBeVisible();
});

test('a call the per-call limit refuses says what a minute costs, in dollars', async ({ page }) => {
  await signUp(page, 'Jo', 'costs-about');
  await verifyPhone(page, await freshUsNumber());
  await setPerCallLimit(page, '0.01');
  await page.goto('/call?persona=brad');
  await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Credits/ }).check();
  await expect(page.getByRole('alert')).toContainText(/^Even a one-minute call costs about \$\d+\.\d\d, more than your per-call limit of \$0\.01\./);
});

test('a disabled button looks disabled, and the pages touched here fit a 390 px phone', async ({ page }) => {
  await signUp(page, 'Jo', 'disabled-look');
  // No verified number yet: nothing to ring, so the call button is off.
  await page.goto('/call?persona=brad');
  const call = page.getByRole('button', { name: 'Call me now with Brad' });
  await expect(call).toBeDisabled();
  const enabled = page.getByRole('link', { name: 'Verify your phone' });
  await expect(enabled).toBeVisible();
  const look = await call.evaluate((el) => { const s = getComputedStyle(el); return { background: s.backgroundColor, cursor: s.cursor, color: s.color }; });
  // Not the accent colour of an enabled button, and the pointer says it cannot be pressed.
  expect(look.background).not.toBe('rgb(79, 209, 197)');
  expect(look.cursor).toBe('not-allowed');

  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/', '/personas', '/personas/brad', '/calls', '/calls?page=9', '/logout', '/terms', '/privacy']) {
    await page.goto(path);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
  }
});
