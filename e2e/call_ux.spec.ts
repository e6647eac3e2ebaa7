// What a new user meets around a call: a browser call left before its microphone connected, the call in progress
// on /call, a voicemail's wording and message, the history updating live, and the running call's clock and cost.
import { expect, test } from '@playwright/test';
import { freshUsNumber, insertCall, insertSegment, setCallCosts, signUp, userIdByEmail, verifyPhone, withDb } from './app_helpers.ts';

const callStatus = (id: string) => withDb(async (db) => (await db.query<{ status: string }>('select status from public.calls where id = $1', [id])).rows[0]?.status);

test('a browser call whose page is left before the microphone connects is released at once', async ({ page }) => {
  await signUp(page, 'Lee', 'browser-leave');
  await verifyPhone(page, await freshUsNumber());
  await page.goto('/call?persona=brad');
  await page.getByRole('group', { name: 'Where to ring' }).getByRole('radio', { name: /In this browser/ }).check();
  await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Demo allowance/ }).check();
  await expect(page.getByText('✓ Within your budget')).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Call me now with Brad' }).click();
  await expect(page).toHaveURL(/\/calls\/[0-9a-f-]{36}$/, { timeout: 20_000 });
  const callId = new URL(page.url()).pathname.split('/').pop()!;
  await expect(page.getByRole('button', { name: 'Connect microphone' })).toBeVisible();

  // Leaving the page (here: for another page of the site) releases the call that never connected.
  await page.goto('/personas');
  await expect.poll(() => callStatus(callId), { timeout: 15_000 }).toBe('canceled');
  await page.goto('/call?persona=brad');
  await expect(page.getByText(/You have a call in progress/)).toHaveCount(0);
  await page.getByRole('group', { name: 'Where to ring' }).getByRole('radio', { name: /In this browser/ }).check();
  await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Demo allowance/ }).check();
  await expect(page.getByText('✓ Within your budget')).toBeVisible({ timeout: 15_000 });
});

test('/call links to the call in progress and can end it', async ({ page }) => {
  const userId = await userIdByEmail(await signUp(page, 'Ari', 'call-in-progress'));
  const callId = await insertCall(userId, 'brad', { status: 'in_progress' });
  await page.goto('/call');
  const notice = page.getByRole('status').filter({ hasText: 'You have a call in progress with Brad (connected).' });
  await expect(notice).toBeVisible();
  await expect(notice.getByRole('link', { name: 'Open the call in progress' })).toHaveAttribute('href', `/calls/${callId}`);
  await notice.getByRole('button', { name: 'End that call' }).click();
  await expect(page.getByText(/You have a call in progress/)).toHaveCount(0, { timeout: 15_000 });
  expect(await callStatus(callId)).toBe('canceled');
});

test('the history updates live as calls start, move on and end', async ({ page }) => {
  const userId = await userIdByEmail(await signUp(page, 'Kim', 'calls-live'));
  const first = await insertCall(userId, 'brad', { status: 'completed' });
  await page.goto('/calls');
  const list = page.getByRole('list', { name: 'Calls' });
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(page.getByText('● Live')).toBeVisible({ timeout: 15_000 });
  // A call placed elsewhere (another tab, the scheduler) appears without a reload, and its status follows.
  const second = await insertCall(userId, 'oliver', { status: 'ringing' });
  await expect(list.getByRole('listitem')).toHaveCount(2, { timeout: 15_000 });
  await expect(list.getByRole('listitem').first()).toContainText('Ringing');
  await withDb((db) => db.query(`update public.calls set status = 'no_answer', end_reason = 'no_answer' where id = $1`, [second]));
  await expect(list.getByRole('listitem').first()).toContainText('No answer', { timeout: 15_000 });
  expect(first).not.toBe(second);
});

test('a running call shows its clock, its cost against the cap and a warning at the warn point', async ({ page }) => {
  const userId = await userIdByEmail(await signUp(page, 'Sam', 'call-clock'));
  await withDb((db) => db.query('update public.user_budget_settings set warn_at_percent_per_call = 50 where user_id = $1', [userId]));
  const callId = await insertCall(userId, 'brad', { status: 'in_progress' });
  await withDb((db) => db.query(`update public.calls set created_at = now() - interval '90 seconds', answered_at = now() - interval '65 seconds', estimated_cost_cents = 100 where id = $1`, [callId]));
  await page.goto(`/calls/${callId}`);
  const clock = page.getByRole('timer', { name: 'Call time' });
  await expect(clock).toHaveText(/^1:0\d of 5:00$/);
  await expect(clock).not.toHaveText(await clock.textContent() ?? '', { timeout: 5_000 });
  await expect(page.getByText('● Live')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText(/This call has used \d+% of its/)).toHaveCount(0);

  // Usage passes half the cap (the warn point set above): a visible warning, spoken too by the persona.
  await setCallCosts(callId, { twilio: 0.3, deepgram: 0.1, cerebras: 0.1, elevenlabs: 0.15 });
  const warning = page.getByRole('alert').filter({ hasText: /This call has used \d+% of its \$1\.00 cap/ });
  await expect(warning).toBeVisible({ timeout: 15_000 });
  await expect(warning).toContainText('Brad will start wrapping up');
});

test('a call a voicemail answered says so once, and keeps the message the persona left', async ({ page }) => {
  test.setTimeout(120_000);
  const userId = await userIdByEmail(await signUp(page, 'Dee', 'voicemail'));
  // The Twilio stand-in answers this number with a machine; it is the outcome under test, not the verification.
  await withDb((db) => db.query(`insert into public.user_phone_numbers (user_id, phone_number, country_code) values ($1, '+12025550113', 'US')`, [userId]));
  await page.goto('/call?persona=brad');
  await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Demo allowance/ }).check();
  await expect(page.getByText('✓ Within your budget')).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Call me now with Brad' }).click();
  await expect(page).toHaveURL(/\/calls\/[0-9a-f-]{36}$/, { timeout: 20_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('answered-by')).toHaveText('Your voicemail answered, so Brad left a short message and hung up.');
  await expect(page.getByText('You hung up.')).toHaveCount(0);
  const log = page.getByRole('log', { name: 'Transcript' });
  await expect(log).toContainText("Hi, Dee, it's Brad from Call Me Back. Sorry I missed you, talk soon!", { timeout: 15_000 });
  await expect(log).not.toContainText('Nothing was said on this call.');
  // And after a reload, from the stored transcript.
  await page.reload();
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('Sorry I missed you');
});

test('a finished call shows its whole transcript in the page, while a live one scrolls in its box', async ({ page }) => {
  const userId = await userIdByEmail(await signUp(page, 'Tam', 'long-transcript'));
  const callId = await insertCall(userId, 'brad', { status: 'in_progress' });
  for (let i = 0; i < 40; i++) await insertSegment(callId, i, i % 2 ? 'user' : 'persona', `Line ${i} of a long morning chat about plans, weather and breakfast.`);
  await page.goto(`/calls/${callId}`);
  const log = page.getByRole('log', { name: 'Transcript' });
  await expect(log).toContainText('Line 39 of');
  // Live: a box of its own that scrolls, so the controls stay in view.
  const live = await log.evaluate((el) => ({ inner: el.scrollHeight, shown: el.clientHeight }));
  expect(live.inner).toBeGreaterThan(live.shown);

  await withDb((db) => db.query(`update public.calls set status = 'completed', answered_at = created_at, ended_at = now(), duration_seconds = 60, end_reason = 'user_hung_up' where id = $1`, [callId]));
  await expect(page.getByRole('status').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 20_000 });
  // Finished: read like a document, every line in the page's own flow, no box to scroll inside.
  await expect.poll(() => log.evaluate((el) => el.scrollHeight - el.clientHeight)).toBeLessThanOrEqual(1);
  const finished = await log.evaluate((el) => el.clientHeight);
  expect(finished).toBeGreaterThan(live.shown);
  // No space is held for interim words any more.
  await expect(page.locator('.interim')).toHaveCount(0);
  await page.reload();
  await expect(log).toContainText('Line 0 of');
  expect(await log.evaluate((el) => el.scrollHeight - el.clientHeight)).toBeLessThanOrEqual(1);
});
