import { expect, test, type WebSocketRoute } from '@playwright/test';
import { finishCall, freshUsNumber, insertCall, insertMissedSchedule, insertSegment, setCallCosts, setPerCallLimit, signUp, snapPhone, userIdByEmail, verifyPhone } from './app_helpers.ts';
import { stackStatus } from '../devstack/src/stack.ts';
import { snap } from './screens.ts';

test('a new user verifies a phone, customises Brad, sees an estimate and sets a budget', async ({ page }) => {
  await signUp(page, 'Robin', 'flow');
  await snap(page, 'onboarding');

  const phone = await freshUsNumber();
  // A wrong code is refused next to the code field and the number stays unverified.
  await page.getByLabel('Phone number, with country code').fill(phone);
  await page.getByRole('button', { name: 'Send code' }).click();
  await expect(page.getByText(`We sent a code to ${phone}`)).toBeVisible();
  await page.getByLabel('Six-digit code').fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.locator('#check-error')).toContainText(/code/i);
  await verifyPhone(page, phone);
  await expect(page.getByRole('list').getByText(phone)).toBeVisible();
  await snap(page, 'onboarding-verified');
  await snapPhone(page, 'onboarding-verified');

  await page.getByRole('link', { name: /Choose who should call you/ }).click();
  await expect(page).toHaveURL(/\/personas$/);
  for (const name of ['Brad', 'Sarah', 'Alex']) await expect(page.getByRole('heading', { name })).toBeVisible();
  await snap(page, 'personas');
  await snapPhone(page, 'personas');

  await page.getByRole('link', { name: 'Customise Brad' }).click();
  await expect(page).toHaveURL(/\/personas\/brad$/);
  await page.getByLabel('Who is Brad to you?').selectOption('coach');
  await page.getByLabel('What should Brad call you?').fill('Champ');
  await page.getByLabel('Anything Brad should know or do').fill('I am training for a marathon. Be strict about my morning runs.');
  await page.getByLabel(/^Speed/).fill('1.1');
  await page.getByRole('button', { name: 'Save Brad' }).click();
  await expect(page.getByText('Saved. Brad will use this on your next call.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('What should Brad call you?')).toHaveValue('Champ');
  await expect(page.getByLabel('Who is Brad to you?')).toHaveValue('coach');
  await snap(page, 'persona-brad');
  await page.goto('/personas');
  await expect(page.getByText('Your coach · calls you “Champ”')).toBeVisible();

  await page.goto('/call?persona=brad');
  await expect(page.getByRole('radio', { name: 'Brad' })).toBeChecked();
  await expect(page.getByRole('radio', { name: phone })).toBeChecked();
  await expect(page.getByText(/^up to \$\d+\.\d\d/)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText('✓ Within your budget')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Call me now with Brad' })).toBeEnabled();
  await snap(page, 'call-now');
  await snapPhone(page, 'call-now');

  // A per-call limit below the price of one minute: the estimate says why, next to the estimate, and the button stays off.
  await setPerCallLimit(page, '0.01');
  await page.goto('/call?persona=brad');
  await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Credits/ }).check();
  await expect(page.getByRole('alert')).toContainText(/per-call limit/);
  await expect(page.getByRole('button', { name: 'Call me now with Brad' })).toBeDisabled();

  await page.goto('/budget');
  await page.getByLabel('Most one call may cost ($)').fill('40');
  await page.getByLabel('Most per month ($)').fill('25');
  await page.getByRole('button', { name: 'Save limits' }).click();
  await expect(page.getByText('The per-call limit cannot be more than the monthly limit.')).toBeVisible();
  await page.getByLabel('Most one call may cost ($)').fill('4.50');
  await page.getByLabel('Most per month ($)').fill('30');
  await page.getByLabel(/^Warn me at/).fill('70');
  await page.getByRole('button', { name: 'Save limits' }).click();
  await expect(page.getByText('Saved. The new limits apply from the next call.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Most one call may cost ($)')).toHaveValue('4.50');
  await expect(page.getByLabel('Most per month ($)')).toHaveValue('30.00');
  await expect(page.getByText('warns at 70%')).toBeVisible();
  await snap(page, 'budget');

  // Confirming places the call and opens its live page.
  await page.goto('/call?persona=brad');
  await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Demo allowance/ }).check();
  await expect(page.getByText('✓ Within your budget')).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Call me now with Brad' }).click();
  await expect(page).toHaveURL(/\/calls\/[0-9a-f-]{36}$/, { timeout: 20_000 });
  await expect(page.getByRole('heading', { name: 'Call with Brad' })).toBeVisible();
  await expect(page.getByText(`to ${phone}`)).toBeVisible();
});

test('the live call page streams the transcript, then history shows the cost; another user sees nothing of it', async ({ page, browser }) => {
  const email = await signUp(page, 'Sam', 'live');
  const userId = await userIdByEmail(email);
  const callId = await insertCall(userId, 'brad');

  await page.goto(`/calls/${callId}`);
  await expect(page.getByRole('heading', { name: 'Call with Brad' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
  await expect(page.getByText('● Live')).toBeVisible({ timeout: 15_000 });

  // Lines written while the page is open appear without a reload.
  await insertSegment(callId, 0, 'persona', 'Morning, Champ! Time to get those running shoes on.');
  await insertSegment(callId, 1, 'user', 'Five more minutes, please.');
  const log = page.getByRole('log', { name: 'Transcript' });
  await expect(log).toContainText('Morning, Champ!', { timeout: 15_000 });
  await expect(log).toContainText('Five more minutes');
  await setCallCosts(callId, { twilio: 0.0085, deepgram: 0.0043, cerebras: 0.0012, elevenlabs: 0.018 });
  await expect(page.getByText('ElevenLabs')).toBeVisible({ timeout: 15_000 });
  await snap(page, 'call-live');
  await snapPhone(page, 'call-live');

  await insertSegment(callId, 2, 'persona', 'Nope. Up you get. See you at the park.');
  await finishCall(callId, 95);
  await expect(page.getByRole('status').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 15_000 });
  await expect(log).toContainText('See you at the park');
  await expect(page.getByRole('button', { name: 'Hang up' })).toHaveCount(0);
  await snap(page, 'call-completed');

  await page.goto('/calls');
  await expect(page.getByRole('link', { name: 'Brad' })).toBeVisible();
  await page.getByRole('button', { name: /Show provider costs/ }).click();
  await expect(page.getByText('Twilio · phone line')).toBeVisible();
  await snap(page, 'calls-history');
  await snapPhone(page, 'calls-history');
  await page.getByLabel('Status').selectOption('failed');
  await expect(page.getByText('No calls match these filters.')).toBeVisible();
  await page.getByLabel('Status').selectOption('completed');
  await expect(page.getByRole('link', { name: 'Brad' })).toBeVisible();

  const other = await browser.newContext();
  const stranger = await other.newPage();
  await signUp(stranger, 'Eve', 'other');
  const res = await stranger.goto(`/calls/${callId}`);
  expect(res?.status()).toBe(404);
  await expect(stranger.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await expect(stranger.getByText('Morning, Champ!')).toHaveCount(0);
  await expect(stranger.getByText('Brad')).toHaveCount(0);
  await snap(stranger, 'call-not-yours');
  await stranger.goto('/calls');
  await expect(stranger.getByText('No calls yet.')).toBeVisible();
  await other.close();
});

test('scenarios, schedule and billing pages work for a new user', async ({ page }) => {
  const email = await signUp(page, 'Kim', 'pages');
  await insertMissedSchedule(await userIdByEmail(email), 'alex', 'The call was due at 06:00 but could only be placed at 06:40, so it was not made.');
  // A new account has no credits yet, and the balance says what unlocks the starting credits.
  await page.goto('/billing');
  await expect(page.getByText('Verify your phone number to unlock 500 free starting credits.')).toBeVisible();
  await verifyPhone(page, await freshUsNumber());

  await page.goto('/scenarios');
  await page.getByRole('button', { name: 'Save scenario' }).click();
  await expect(page.getByText('Give the scenario a name.')).toBeVisible();
  await page.getByLabel('Name').fill('Gym nudge');
  await page.getByLabel('What should the persona do?').fill('Get me to the gym before work. No excuses.');
  await page.getByRole('button', { name: 'Save scenario' }).click();
  await expect(page.getByText('“Gym nudge” saved.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Delete Gym nudge' })).toBeVisible();
  await expect(page.getByLabel('Usual length (minutes)')).toHaveValue('5');
  await snap(page, 'scenarios');

  await page.goto('/schedule');
  await page.getByLabel('About').selectOption({ label: 'Gym nudge (yours)' });
  await page.getByLabel('Time zone').selectOption('Europe/London');
  // The next weekday after today (a weekday series starts on a weekday).
  let day = new Date(Date.now() + 86_400_000);
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day = new Date(day.getTime() + 86_400_000);
  await page.getByLabel('Date').fill(day.toISOString().slice(0, 10));
  await page.getByLabel('Time', { exact: true }).fill('07:15');
  await page.getByLabel('Repeat').selectOption('weekdays');
  await page.getByRole('button', { name: 'Book the call' }).click();
  await expect(page.getByText('Booked. It is in your upcoming calls below.')).toBeVisible();
  const upcoming = page.getByRole('region', { name: 'Upcoming' });
  await expect(upcoming.getByText('Weekdays (Mon–Fri)')).toBeVisible();
  await expect(upcoming.getByText(/07:15/)).toBeVisible();
  await snap(page, 'schedule');
  await snapPhone(page, 'schedule');
  await upcoming.getByRole('button', { name: /^Cancel the call/ }).click();
  await expect(page.getByRole('region', { name: 'Earlier' }).getByText('Cancelled')).toBeVisible();
  await expect(upcoming.getByText('Nothing booked.')).toBeVisible();
  const earlier = page.getByRole('region', { name: 'Earlier' });
  await expect(earlier.getByText('Missed')).toBeVisible();
  await expect(earlier.getByText('could only be placed at 06:40')).toBeVisible();

  await page.goto('/billing');
  await expect(page.getByRole('heading', { name: 'Balance' })).toBeVisible();
  await expect(page.getByText('Welcome credits')).toBeVisible();
  await snap(page, 'billing');
  await snapPhone(page, 'billing');

  // Buying credits opens the payment provider's checkout page (the Stripe stand-in's, in demo mode).
  await page.getByRole('button', { name: 'Buy 500 credits for $5.00' }).click();
  await page.waitForURL((url) => url.port === new URL(String(stackStatus().STRIPE_API_BASE)).port, { timeout: 15_000 });
  await snap(page, 'billing-checkout');
  // Paying there sends the buyer back, and the signed webhook credits the pack once.
  await page.getByRole('button', { name: 'Pay' }).click();
  await page.waitForURL(/\/billing\?checkout=success/, { timeout: 20_000 });
  await expect(page.getByText('Credit pack').first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('region', { name: 'Balance' }).getByText('1,000 credits')).toBeVisible({ timeout: 20_000 });
  await snap(page, 'billing-paid');

  // Deleting asks first: saying no keeps the scenario, saying yes removes it.
  await page.goto('/scenarios');
  const asked: string[] = [];
  page.once('dialog', (d) => { asked.push(d.message()); void d.dismiss(); });
  await page.getByRole('button', { name: 'Delete Gym nudge' }).click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toContain('Delete “Gym nudge”?');
  await page.reload();
  await expect(page.getByRole('button', { name: 'Delete Gym nudge' })).toBeVisible();
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Delete Gym nudge' }).click();
  await expect(page.getByText('You have not written any yet.')).toBeVisible();
});

test('after the realtime connection drops, the live page catches up on what it missed', async ({ page }) => {
  const email = await signUp(page, 'Ari', 'reconnect');
  const callId = await insertCall(await userIdByEmail(email), 'sarah');
  // Route the realtime socket through the test so it can be cut like a flaky mobile network would.
  const sockets: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/realtime\/v1\//, (ws) => {
    ws.connectToServer();
    sockets.push(ws);
  });

  await page.goto(`/calls/${callId}`);
  await expect(page.getByText('● Live')).toBeVisible({ timeout: 15_000 });
  await insertSegment(callId, 0, 'persona', 'Hello, it is Sarah.');
  const log = page.getByRole('log', { name: 'Transcript' });
  await expect(log).toContainText('Hello, it is Sarah.', { timeout: 15_000 });

  const connected = sockets.length;
  for (const ws of sockets) await ws.close({ code: 4000, reason: 'network dropped' });
  // Written while the page had no connection: no change event will ever carry it.
  await insertSegment(callId, 1, 'user', 'Sorry, I lost you for a second.');
  await expect.poll(() => sockets.length, { timeout: 20_000 }).toBeGreaterThan(connected);
  await expect(log).toContainText('Sorry, I lost you for a second.', { timeout: 20_000 });
  await expect(page.getByText('● Live')).toBeVisible();
  // Each line is shown once, in order, even though it may have arrived both by refetch and by change event.
  await expect(log.locator('.line')).toHaveText([/Hello, it is Sarah\./, /Sorry, I lost you/]);
});
