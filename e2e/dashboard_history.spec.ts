// The signed-in home and the call history at scale: the dashboard's figures are those of the calls in the database,
// the history's filters and transcript search live in the URL and survive paging, and the CSV export and transcript
// download are files with the rows and lines the user has.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { formatProviderUsd } from '../web/src/lib/money.ts';
import { signUp, snapPhone, userIdByEmail, withDb } from './app_helpers.ts';
import { snap } from './screens.ts';

interface SeedCall {
  persona: 'brad' | 'sarah';
  /** Minutes before now; the month's calls stay inside this month whatever the day. */
  minutesAgo: number;
  status: 'completed' | 'no_answer';
  seconds?: number;
  /** Card calls are settled for this many cents; others are demo calls, which spend nothing. */
  chargedCents?: number;
  summary?: string;
  lines?: [speaker: 'persona' | 'user', text: string][];
  latencies?: number[];
  costs?: [service: 'twilio' | 'elevenlabs', usd: number][];
}

/** Writes calls as the pipeline would have left them once finished; returns their ids in order. */
async function seed(userId: string, calls: SeedCall[]): Promise<string[]> {
  return withDb(async (db) => {
    const ids: string[] = [];
    for (const [i, c] of calls.entries()) {
      const { rows } = await db.query<{ id: string }>(
        `insert into public.calls (user_id, persona_id, mode, status, payment_method, payment_status, payment_intent_id,
                                   max_duration_seconds, estimated_cost_cents, actual_cost_cents, duration_seconds,
                                   end_reason, summary, created_at, dialed_at, answered_at, ended_at)
         select $1, p.id, 'browser', $3::public.call_status, case when $5::int is null then 'demo' else 'card' end,
                case when $5::int is null then 'released' else 'settled' end,
                case when $5::int is null then null else 'pi_e2edash' || replace(gen_random_uuid()::text, '-', '') end,
                900, 300, $5::int, case when $3 = 'completed' then $4::int end,
                case when $3 = 'completed' then 'user_hung_up' else 'no_answer' end::public.call_end_reason, $6, t, t,
                case when $3 = 'completed' then t + interval '2 seconds' end,
                t + interval '2 seconds' + make_interval(secs => coalesce($4::int, 20))
           from public.personas p,
                -- A call of today stays in this month even just after midnight on the 1st (its spend counts).
                (select case when $7::int < 24 * 60
                             then greatest(date_trunc('month', now()) + make_interval(secs => 100 - $8::int), now() - make_interval(mins => $7::int))
                             else now() - make_interval(mins => $7::int) end as t) x
          where p.slug = $2
         returning id`,
        [userId, c.persona, c.status, c.seconds ?? null, c.chargedCents ?? null, c.summary ?? null, c.minutesAgo + i, i]
      );
      const id = rows[0]!.id;
      ids.push(id);
      for (const [seq, [speaker, text]] of (c.lines ?? []).entries()) {
        await db.query(
          `insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text, start_ms, end_ms)
           values ($1, $2, $3, $4, $5, $3 * 4200, $3 * 4200 + 3000)`, [id, userId, seq, speaker, text]);
      }
      for (const [turn, ms] of (c.latencies ?? []).entries()) {
        await db.query('insert into public.call_turn_latencies (call_id, user_id, turn, voice_to_voice_ms) values ($1, $2, $3, $4)', [id, userId, turn + 1, ms]);
      }
      for (const [service, usd] of c.costs ?? []) {
        await db.query(
          `insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, characters, cost_usd,
                                                idempotency_key, occurred_at)
           select c.id, c.user_id, $2::text, case $2::text when 'twilio' then 'voice_minutes' else 'tts_characters' end,
                  case when $2::text = 'twilio' then 60 end, case when $2::text = 'elevenlabs' then 400 end, $3,
                  c.id::text || ':' || $2::text, c.created_at + interval '10 seconds'
             from public.calls c where c.id = $1::uuid`,
          [id, service, usd]);
      }
    }
    return ids;
  });
}

async function signedUpUser(page: Page, name: string, tag: string): Promise<string> {
  const email = await signUp(page, name, tag);
  return userIdByEmail(email);
}

const statsValue = (page: Page, label: string) =>
  page.getByTestId('activity-totals').locator('div', { has: page.getByText(label, { exact: true }) }).locator('dd');

test('the dashboard is the signed-in home: first an invitation to call, then the figures of the calls made', async ({ page }) => {
  const userId = await signedUpUser(page, 'Dana', 'dash');
  await page.goto('/');
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole('heading', { name: 'No calls yet' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Make your first call' })).toHaveAttribute('href', '/call');
  // The landing page is still there for a signed-in user who asks for it.
  await page.goto('/?about');
  await expect(page.getByRole('heading', { name: 'Have a persona call you back.' })).toBeVisible();

  const [first] = await seed(userId, [
    { persona: 'brad', minutesAgo: 0, status: 'completed', seconds: 120, chargedCents: 150,
      latencies: [600, 800, 1000], costs: [['twilio', 0.02], ['elevenlabs', 0.013]] },
    { persona: 'sarah', minutesAgo: 5, status: 'completed', seconds: 30, chargedCents: 45, latencies: [1500] },
    { persona: 'brad', minutesAgo: 10, status: 'no_answer' },
    { persona: 'brad', minutesAgo: 5 * 24 * 60, status: 'completed', seconds: 90 },
    // Outside the last 30 days: counted nowhere on the charts.
    { persona: 'brad', minutesAgo: 40 * 24 * 60, status: 'completed', seconds: 600, costs: [['twilio', 0.5]] }
  ]);
  const charged = await withDb(async (db) => (await db.query<{ service: string; cents: string }>(
    'select service, sum(calculated_cost_cents)::text as cents from public.call_cost_events where call_id = $1 group by service', [first])).rows);

  await page.goto('/dashboard');
  await expect(page.getByTestId('month-spend')).toHaveText('$1.95 of $100.00');
  await expect(statsValue(page, 'Calls')).toHaveText('4');
  await expect(statsValue(page, 'Connected')).toHaveText('3');
  await expect(statsValue(page, 'Minutes')).toHaveText('4');

  // Each chart is one image with a title and a description, and its numbers are in a table beside it.
  const callsChart = page.getByRole('img', { name: 'Calls per day' });
  await expect(callsChart).toBeVisible();
  await expect(callsChart).toHaveAccessibleDescription(/^4 calls in the last 30 days, 3 connected\./);
  await page.getByText('Calls per day: the numbers').click();
  const callsTable = page.locator('#calls-per-day-table');
  await expect(callsTable.locator('tbody tr')).toHaveCount(30);

  await page.getByText(/Charged per provider, last 30 days: the numbers/).click();
  const providers = page.locator('#provider-costs-table tbody tr');
  await expect(providers).toHaveCount(2);
  for (const { service, cents } of charged) {
    const name = service === 'twilio' ? 'Twilio (phone line)' : 'ElevenLabs (voice)';
    await expect(page.locator('#provider-costs-table tr', { has: page.getByRole('rowheader', { name }) }).locator('td'))
      .toHaveText(formatProviderUsd(Number(cents) / 100));
  }

  await page.getByText('Voice-to-voice time per call: the numbers').click();
  const latencyRows = page.locator('#call-latency-table tbody tr');
  await expect(latencyRows).toHaveCount(2);
  // Oldest first: Sarah's one answer, then Brad's three (median 0.8 s, 90th percentile 1 s).
  await expect(latencyRows.nth(0).locator('td')).toHaveText(['1.50 s', '1.50 s']);
  await expect(latencyRows.nth(1).locator('td')).toHaveText(['0.80 s', '1.00 s']);

  await snap(page, 'dashboard');
  // A phone's width: nothing runs off the side.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(callsChart).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await snap(page, 'dashboard-phone');
});

test('history filters, transcript search, paging and the CSV export keep the same query', async ({ page }) => {
  const userId = await signedUpUser(page, 'Hugo', 'hist');
  const marathon: SeedCall[] = Array.from({ length: 11 }, (_, i) => ({
    persona: 'brad', minutesAgo: (10 + i) * 24 * 60, status: 'completed', seconds: 60,
    lines: [['persona', `Marathon check-in number ${i + 1}.`]]
  }));
  const today = await withDb(async (db) => (await db.query<{ d: string }>(`select (now() at time zone 'UTC')::date::text as d`)).rows[0]!.d);
  const dayBefore = (days: number) => new Date(Date.parse(`${today}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
  await seed(userId, [
    { persona: 'brad', minutesAgo: 0, status: 'completed', seconds: 120, summary: 'Talked about "pace", hills and rest',
      lines: [['persona', 'Morning! How is the marathon training going?'], ['user', 'I ran twelve kilometres today.']] },
    { persona: 'sarah', minutesAgo: 5, status: 'completed', seconds: 30,
      lines: [['persona', 'Remember your dentist appointment at three.'], ['user', 'Thanks, I will be there.']] },
    { persona: 'brad', minutesAgo: 10, status: 'no_answer' },
    ...marathon
  ]);

  await page.goto('/calls');
  await expect(page.getByTestId('calls-total')).toHaveText('14 calls');

  await page.getByLabel('Status').selectOption({ label: 'Not answered' });
  await expect(page).toHaveURL(/\/calls\?status=unanswered$/);
  await expect(page.getByTestId('calls-total')).toHaveText('1 call match');

  await page.getByLabel('Status').selectOption({ label: 'All' });
  await page.getByLabel('Persona').selectOption({ label: 'Sarah' });
  await expect(page.getByTestId('calls-total')).toHaveText('1 call match');
  await page.getByLabel('Persona').selectOption({ label: 'Everyone' });

  await page.getByLabel('From').fill(dayBefore(15));
  await page.getByLabel('To').fill(dayBefore(9));
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`from=${dayBefore(15)}&to=${dayBefore(9)}`));
  // Days 10 to 15 ago, both ends included (the user's time zone is UTC): six of the marathon check-ins.
  await expect(page.getByTestId('calls-total')).toHaveText('6 calls match');
  await page.getByRole('link', { name: 'Clear filters' }).first().click();
  await expect(page.getByTestId('calls-total')).toHaveText('14 calls');

  // Full-text search: "marathons" finds "marathon" and "Marathon" (English stemming), with the word highlighted.
  await page.getByLabel('Words said in the call').fill('marathons');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/calls\?q=marathons$/);
  await expect(page.getByTestId('calls-total')).toHaveText('12 calls match');
  const firstRow = page.getByRole('list', { name: 'Calls' }).getByRole('listitem').first();
  await expect(firstRow.locator('.snippet')).toHaveText(/Brad:\s+Morning! How is the marathon training going\?/);
  await expect(firstRow.locator('mark')).toHaveText('marathon');
  await snapPhone(page, 'calls-search');

  // Paging keeps the search.
  await page.getByRole('link', { name: 'Older →' }).click();
  await expect(page).toHaveURL(/\/calls\?q=marathons&page=2$/);
  await expect(page.getByRole('list', { name: 'Calls' }).getByRole('listitem')).toHaveCount(2);
  await expect(page.getByLabel('Words said in the call')).toHaveValue('marathons');

  // The export is the filtered list, every page of it, as a CSV attachment.
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export as CSV' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^calls-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path())!, 'utf8');
  const lines = csv.split('\r\n').filter(Boolean);
  expect(lines[0]).toBe('Started (UTC),Persona,Status,Mode,Number,Duration (s),Charged (USD),Estimate (USD),Paid with,End reason,Summary,Link');
  expect(lines).toHaveLength(13);
  expect(lines[1]).toContain(',Brad,completed,browser,,120,,3.00,demo,user_hung_up,"Talked about ""pace"", hills and rest",http');
  expect(lines.some((l) => l.includes('Sarah'))).toBe(false);

  const res = await page.request.get('/calls/export.csv?from=someday');
  expect(res.status()).toBe(400);
  expect(await res.json()).toMatchObject({ code: 'invalid_date' });

  // A search that matches nothing says so and offers the way back.
  await page.goto('/calls?q=zeppelin');
  await expect(page.getByText('No calls match “zeppelin” with these filters.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Clear filters' }).first()).toBeVisible();
});

test('a finished call\'s transcript downloads as text, one timestamped line per utterance', async ({ page }) => {
  const userId = await signedUpUser(page, 'Tess', 'transcript');
  const [id] = await seed(userId, [{
    persona: 'brad', minutesAgo: 0, status: 'completed', seconds: 40,
    lines: [['persona', 'Morning! Ready for a run?'], ['user', 'Give me, say, "five" minutes.']]
  }]);
  await page.goto(`/calls/${id}`);
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: /Download transcript/ }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(new RegExp(`^call-brad-\\d{4}-\\d{2}-\\d{2}-${id!.slice(0, 8)}\\.txt$`));
  const text = readFileSync((await download.path())!, 'utf8');
  expect(text).toMatch(/^Call with Brad\nStarted \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\n\n/);
  expect(text).toContain('[0:00] Brad: Morning! Ready for a run?\n[0:04] You: Give me, say, "five" minutes.\n');

  // Someone else's call (or none) is not found, as a sentence, never a file.
  const res = await page.request.get('/calls/00000000-0000-4000-8000-000000000000/transcript.txt');
  expect(res.status()).toBe(404);
  expect(await res.json()).toMatchObject({ code: 'call_not_found' });
});
