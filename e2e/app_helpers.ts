// Shared steps for the product specs: accounts, the phone code from the Twilio stand-in's outbox, and direct
// database access (as the service) for fixtures that only the call pipeline would otherwise write.
import { expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stackStatus } from '../devstack/src/stack.ts';
import { freshNumber } from '../devstack/src/testing/fresh_number.ts';
import { snap } from './screens.ts';

const status = stackStatus();

export const uniqueEmail = (tag: string) => `e2e-${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.test`;

/**
 * A fictional US number (555 exchange) that behaves like a new person's on this stack's database: no account has it
 * and it never earned the starting credits (a number earns them once, ever), so verifying it grants them. Area code
 * 628, because the integration suites draw theirs from 415 and some of them use up a number's hourly code limit on
 * purpose: a browser test must never land on one of those.
 */
export const freshUsNumber = () => withDb((db) => freshNumber(db, '+1628555'));

export async function signUp(page: Page, name: string, tag = 'user'): Promise<string> {
  const email = uniqueEmail(tag);
  await page.goto('/signup');
  await page.getByLabel('Your first name').fill(name);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('a-good-password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/onboarding/);
  return email;
}

/** The newest one-time code the stand-in "sent" to `to`. */
export async function outboxCode(to: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${String(status.TWILIO_API_BASE)}/devstack/outbox?to=${encodeURIComponent(to)}`);
    const msgs = (await res.json()) as { code?: string }[];
    const code = msgs.at(-1)?.code;
    if (code) return code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`No code in the devstack outbox for ${to}`);
}

/** Verifies `phone` through the onboarding page with the code from the outbox. */
export async function verifyPhone(page: Page, phone: string): Promise<void> {
  await page.goto('/onboarding');
  await page.getByLabel('Phone number, with country code').fill(phone);
  await page.getByRole('button', { name: 'Send code' }).click();
  await expect(page.getByText(`We sent a code to ${phone}`)).toBeVisible();
  await page.getByLabel('Six-digit code').fill(await outboxCode(phone));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText(`${phone} is verified`)).toBeVisible();
}

/** What the simulated person who answers `phone` says, line by line, before hanging up. */
export async function calleeSays(phone: string, lines: string[], hangupAfterMs = 1500): Promise<void> {
  const res = await fetch(`${String(status.TWILIO_API_BASE)}/devstack/scripts/${encodeURIComponent(phone)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ lines: lines.map((text) => ({ text })), hangupAfterMs })
  });
  expect(res.ok).toBe(true);
}

/**
 * Books Brad on /schedule for the first whole minute at least 75 s ahead (the form wants a minute's notice), in UTC.
 * Returns when it is due.
 */
export async function bookBradAMinuteAhead(page: Page): Promise<Date> {
  const at = new Date(Math.ceil((Date.now() + 75_000) / 60_000) * 60_000);
  await page.goto('/schedule');
  await page.getByLabel('Who calls').selectOption({ label: 'Brad' });
  await page.getByLabel('Time zone').selectOption('UTC');
  await page.getByLabel('Date').fill(at.toISOString().slice(0, 10));
  await page.getByLabel('Time', { exact: true }).fill(at.toISOString().slice(11, 16));
  await page.getByRole('button', { name: 'Book the call' }).click();
  await expect(page.getByText('Booked. It is in your upcoming calls below.')).toBeVisible();
  return at;
}

/** Saves a per-call limit on /budget. */
export async function setPerCallLimit(page: Page, dollars: string): Promise<void> {
  await page.goto('/budget');
  await page.getByLabel('Most one call may cost ($)').fill(dollars);
  await page.getByRole('button', { name: 'Save limits' }).click();
  await expect(page.getByText('Saved. The new limits apply from the next call.')).toBeVisible();
}

/** A phone-sized screenshot beside the desktop one (the app is designed for phones first). */
export async function snapPhone(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await snap(page, `${name}-phone`);
  if (before) await page.setViewportSize(before);
}

export async function withDb<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: String(status.DB_URL) });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** Makes the account an operator, as the README's SQL does (app_metadata.role, which only the service can set). */
export async function grantOperator(email: string): Promise<void> {
  await withDb((db) => db.query('select private.grant_operator($1)', [email]));
}

export async function userIdByEmail(email: string): Promise<string> {
  return withDb(async (db) => {
    const r = await db.query<{ id: string }>('select id from public.users where email = $1', [email]);
    if (!r.rows[0]) throw new Error(`No user ${email}`);
    return r.rows[0].id;
  });
}

/**
 * A call row as the call pipeline writes it (demo payment, so no money moves), for pages that show calls. Returns
 * its id.
 */
export async function insertCall(userId: string, personaSlug: string, opts: { status?: string; toNumber?: string } = {}): Promise<string> {
  return withDb(async (db) => {
    const r = await db.query<{ id: string }>(
      `insert into public.calls (user_id, persona_id, mode, phone_number, status, payment_method, max_duration_seconds,
                                 estimated_cost_cents, dialed_at)
       select $1, p.id, 'phone', $3, $4, 'demo', 300, 45, now() from public.personas p where p.slug = $2
       returning id`,
      [userId, personaSlug, opts.toNumber ?? '+14155550100', opts.status ?? 'in_progress']);
    return r.rows[0]!.id;
  });
}

export async function insertSegment(callId: string, seq: number, speaker: 'user' | 'persona', text: string): Promise<void> {
  await withDb((db) => db.query(
    `insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text, start_ms, end_ms)
     select id, user_id, $2, $3, $4, $2 * 3000, $2 * 3000 + 2500 from public.calls where id = $1`, [callId, seq, speaker, text]));
}

export async function setCallCosts(callId: string, usd: { twilio: number; deepgram: number; cerebras: number; elevenlabs: number }): Promise<void> {
  await withDb((db) => db.query(
    `insert into public.call_cost_breakdowns (call_id, user_id, twilio_usd, deepgram_usd, cerebras_usd, elevenlabs_usd, event_count)
     select id, user_id, $2, $3, $4, $5, 4 from public.calls where id = $1
     on conflict (call_id) do update set twilio_usd = excluded.twilio_usd, deepgram_usd = excluded.deepgram_usd,
       cerebras_usd = excluded.cerebras_usd, elevenlabs_usd = excluded.elevenlabs_usd`,
    [callId, usd.twilio, usd.deepgram, usd.cerebras, usd.elevenlabs]));
}

export async function finishCall(callId: string, seconds: number): Promise<void> {
  await withDb((db) => db.query(
    `update public.calls set status = 'completed', duration_seconds = $2::int, end_reason = 'persona_hung_up',
            answered_at = coalesce(answered_at, now() - make_interval(secs => $2::int)) where id = $1`, [callId, seconds]));
}

/** A past occurrence the dispatcher gave up on, with the reason it recorded. */
export async function insertMissedSchedule(userId: string, personaSlug: string, reason: string): Promise<void> {
  await withDb((db) => db.query(
    `insert into public.scheduled_calls (user_id, persona_id, scheduled_time, timezone, local_time, status, failure_reason)
     select $1, p.id, now() - interval '2 hours', 'Europe/London', '06:00', 'missed', $3 from public.personas p where p.slug = $2`,
    [userId, personaSlug, reason]));
}

/**
 * A WAV file of `text` spoken by espeak-ng (48 kHz mono 16-bit, then `pauseSeconds` of silence) for Chromium's fake
 * microphone, which loops it. Written under the gitignored test-results folder; returns its absolute path.
 */
export function spokenWav(name: string, text: string, pauseSeconds = 4): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'test-results', 'fixtures');
  mkdirSync(dir, { recursive: true });
  const raw = join(dir, `${name}.espeak.wav`);
  const out = join(dir, `${name}.wav`);
  // The voice and speed the speech stand-ins use, so the speech-to-text stand-in hears a line it knows.
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '165', '-w', raw, text]);
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', out, 'pad', '0.5', String(pauseSeconds)]);
  return out;
}
