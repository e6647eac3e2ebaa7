// A call taken in the browser (demo mode): the softphone streams a fake microphone to the media relay, the persona
// answers through the speakers, both sides appear in the live transcript, and hanging up completes the call.
// Chromium's fake capture device loops a WAV of a line the speech-to-text stand-in knows well.
import { expect, test, type Page } from '@playwright/test';
import config from './playwright.config.ts';
import { freshUsNumber, signUp, spokenWav, verifyPhone } from './app_helpers.ts';
import { snap } from './screens.ts';

const microphone = spokenWav('browser-call-mic', 'Hello? Who is this?');
const base = config.use?.launchOptions ?? {};

test.use({
  launchOptions: {
    ...base,
    args: [
      ...(base.args ?? []),
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${microphone}`
    ]
  }
});

/** Calls now with Brad in this browser on the demo allowance; leaves the page on the new call. */
async function placeBrowserCall(page: Page, screenshot?: string): Promise<void> {
  await page.goto('/call?persona=brad');
  const where = page.getByRole('group', { name: 'Where to ring' });
  await where.getByRole('radio', { name: /In this browser/ }).check();
  await page.getByRole('group', { name: 'Pay with' }).getByRole('radio', { name: /^Demo allowance/ }).check();
  await expect(page.getByText('✓ Within your budget')).toBeVisible({ timeout: 15_000 });
  if (screenshot) await snap(page, screenshot);
  await page.getByRole('button', { name: 'Call me now with Brad' }).click();
  await expect(page).toHaveURL(/\/calls\/[0-9a-f-]{36}$/, { timeout: 20_000 });
  await expect(page.getByText('in the browser')).toBeVisible();
}

test('a browser call connects the microphone, is transcribed live and completes when the user hangs up', async ({ page }) => {
  test.setTimeout(180_000);
  // What the softphone and the relay say to each other on the browser stream.
  const sent: { event?: string; [k: string]: unknown }[] = [];
  const received: { event?: string; [k: string]: unknown }[] = [];
  page.on('websocket', (ws) => {
    if (!ws.url().endsWith('/browser/stream')) return;
    ws.on('framesent', (f) => sent.push(JSON.parse(String(f.payload))));
    ws.on('framereceived', (f) => received.push(JSON.parse(String(f.payload))));
  });
  await signUp(page, 'Robin', 'browser');
  await verifyPhone(page, await freshUsNumber());   // browser calls need a verified number

  await placeBrowserCall(page, 'browser-call-form');

  await page.getByRole('button', { name: 'Connect microphone' }).click();
  await expect(page.getByText('Microphone on.')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible({ timeout: 20_000 });

  const log = page.getByRole('log', { name: 'Transcript' });
  await expect(log.locator('.line.persona').first()).toBeVisible({ timeout: 60_000 });
  // The microphone's line, recognised from the audio the softphone sent.
  await expect(log.locator('.line.user').filter({ hasText: /who is this/i }).first()).toBeVisible({ timeout: 60_000 });
  await snap(page, 'browser-call-live');

  // The stream opened with the call id, carries 20 ms μ-law frames, and every mark the relay sent has come back once
  // its audio played.
  const callId = new URL(page.url()).pathname.split('/').pop();
  expect(sent[0]).toMatchObject({ event: 'start', start: { customParameters: { call_id: callId } } });
  const media = sent.filter((m) => m.event === 'media') as { media: { payload: string; chunk: string } }[];
  expect(media.length).toBeGreaterThan(50);
  expect(Buffer.from(media[0]!.media.payload, 'base64')).toHaveLength(160);
  expect(media.slice(0, 3).map((m) => m.media.chunk)).toEqual(['1', '2', '3']);
  const markNames = (list: typeof sent) => list.filter((m) => m.event === 'mark').map((m) => (m.mark as { name: string }).name);
  expect(received.some((m) => m.event === 'media')).toBe(true);
  await expect.poll(() => markNames(received).length, { timeout: 30_000 }).toBeGreaterThan(0);
  await expect.poll(() => markNames(received).filter((n) => !markNames(sent).includes(n)), { timeout: 30_000 }).toEqual([]);

  await page.getByRole('button', { name: 'Hang up' }).click();
  await expect.poll(() => sent.at(-1)?.event).toBe('stop');
  await expect(page.getByRole('status').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('You hung up.')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await snap(page, 'browser-call-completed');
});

test('a second tab and a blocked microphone are explained next to the control, and the call can still be taken', async ({ page, context }) => {
  test.setTimeout(120_000);
  await signUp(page, 'Kit', 'browser-errors');
  await verifyPhone(page, await freshUsNumber());   // browser calls need a verified number
  // The browser refuses the microphone in this tab (a reload would release a call still waiting for it, so the
  // refusal is in place before the call is placed): the page says how to allow it and offers to connect again.
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  await placeBrowserCall(page);
  const callUrl = page.url();
  await page.getByRole('button', { name: 'Connect microphone' }).click();
  await expect(page.getByRole('alert')).toHaveText(/The browser blocked the microphone\. Allow microphone access/);
  await expect(page.getByRole('button', { name: 'Connect microphone' })).toBeEnabled();
  await snap(page, 'browser-call-mic-blocked');

  // Another tab takes the call; this one is refused by the relay and says why.
  const other = await context.newPage();
  await other.goto(callUrl);
  await other.getByRole('button', { name: 'Connect microphone' }).click();
  await expect(other.getByText('Microphone on.')).toBeVisible({ timeout: 15_000 });
  const second = await context.newPage();
  await second.goto(callUrl);
  await second.getByRole('button', { name: 'Connect microphone' }).click();
  await expect(second.getByRole('alert')).toHaveText('This call is already connected in another tab or window. Hang up there first.', { timeout: 15_000 });
  await snap(second, 'browser-call-already-connected');

  await other.getByRole('button', { name: 'Hang up' }).click();
  await expect(second.getByRole('status').filter({ hasText: 'Completed' })).toBeVisible({ timeout: 30_000 });
  // A finished call offers no microphone any more.
  await expect(second.getByRole('button', { name: 'Connect microphone' })).toHaveCount(0);
});

test('a browser call that was never connected can be cancelled from its page', async ({ page }) => {
  await signUp(page, 'Lee', 'browser-cancel');
  await verifyPhone(page, await freshUsNumber());   // browser calls need a verified number
  await placeBrowserCall(page);
  await page.getByRole('button', { name: 'Cancel the call' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Cancelled' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('button', { name: 'Connect microphone' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Call again' })).toBeVisible();
});
