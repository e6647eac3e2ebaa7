// Every page of the web app, at a desktop (1280 px) and a phone (390 px) width: axe finds no serious or critical
// accessibility violation, nothing makes the page scroll sideways on the phone, and a screenshot of each is saved in
// e2e/screenshots/ (gitignored) for people to look at. Public pages are visited signed out; the signed-in ones as a
// user with a verified number and finished calls; /operator as an operator. A page added to web/src/routes without
// being listed here fails the first test.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  finishCall, freshUsNumber, grantOperator, insertCall, insertSegment, setCallCosts, signUp, userIdByEmail, verifyPhone, withDb
} from './app_helpers.ts';
import { snap } from './screens.ts';

const ROUTES = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'src', 'routes');
const WIDTHS = [1280, 390] as const;

/** Route ids (as SvelteKit names them) of every page, from the files. */
function pageRoutes(dir = ROUTES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return pageRoutes(join(dir, e.name));
    if (e.name !== '+page.svelte') return [];
    const rel = relative(ROUTES, dir).split(sep).join('/');
    return [rel ? `/${rel}` : '/'];
  });
}

const PUBLIC = ['/', '/login', '/signup', '/forgot-password', '/privacy', '/terms'];
const SIGNED_IN = ['/dashboard', '/call', '/calls', '/calls/[id]', '/schedule', '/personas', '/personas/new', '/personas/[slug]',
  '/scenarios', '/scenarios/[id]', '/billing', '/budget', '/pricing', '/onboarding', '/account/password', '/logout'];
const OPERATOR = ['/operator', '/operator/calls', '/operator/spend', '/operator/refunds', '/operator/anomalies'];

interface Problem { page: string; width: number; what: string }

/** Checks the page at both widths and saves its screenshots; what is wrong fails the test softly. */
async function check(page: Page, name: string): Promise<void> {
  const problems: Problem[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width > 600 ? 900 : 844 });
    await page.waitForLoadState('load');
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
    for (const v of axe.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
      problems.push({ page: name, width, what: `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(' | ')}` });
    }
    if (width < 600) {
      const wide = await page.evaluate(() => {
        const doc = document.documentElement;
        if (doc.scrollWidth <= doc.clientWidth) return null;
        const culprits = [...document.querySelectorAll<HTMLElement>('body *')]
          .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1 && !el.closest('.data-table, .table-wrap, .mainnav'))
          .slice(0, 5)
          .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}`);
        return `${doc.scrollWidth} px wide in ${doc.clientWidth} px: ${culprits.join(', ')}`;
      });
      if (wide) problems.push({ page: name, width, what: `horizontal overflow: ${wide}` });
    }
    await snap(page, `a11y-${name}-${width}`);
  }
  // Soft: one run lists every page's problems.
  expect.soft(problems, `${name}: ${problems.map((p) => `${p.width}px ${p.what}`).join('\n')}`).toEqual([]);
}

const slug = (path: string) => path.replace(/^\//, '').replace(/[/[\]]+/g, '-').replace(/-$/, '') || 'home';

test('every page in web/src/routes is visited below', () => {
  expect(pageRoutes().sort()).toEqual([...PUBLIC, ...SIGNED_IN, ...OPERATOR].sort());
});

test('public pages, signed out, at 1280 and 390 px', async ({ page }) => {
  test.setTimeout(600_000);
  for (const path of PUBLIC) {
    await page.goto(path);
    await check(page, `public-${slug(path)}`);
  }
  // The pages a signed-out visitor meets when something is missing.
  await page.goto('/no-such-page');
  await check(page, 'public-not-found');
});

test('signed-in pages, as a user with calls, at 1280 and 390 px', async ({ page }) => {
  test.setTimeout(900_000);
  const email = await signUp(page, 'Ada', 'a11y');
  const userId = await userIdByEmail(email);
  // Onboarding before the number is verified: what a new user sees first.
  await page.goto('/onboarding');
  await check(page, 'user-onboarding-new');
  await verifyPhone(page, await freshUsNumber());

  const done = await insertCall(userId, 'brad');
  await insertSegment(done, 1, 'persona', 'Morning Ada! Did you sleep well?');
  await insertSegment(done, 2, 'user', 'I did, thanks. What is on today?');
  await insertSegment(done, 3, 'persona', 'Your run at seven, then the dentist at ten.');
  await setCallCosts(done, { twilio: 0.0085, deepgram: 0.0043, cerebras: 0.0011, elevenlabs: 0.018 });
  await finishCall(done, 0);
  const unanswered = await insertCall(userId, 'oliver', { status: 'ringing' });
  await withDb((db) => db.query(
    `update public.calls set status = 'no_answer', end_reason = 'no_answer', ended_at = now() where id = $1`, [unanswered]));

  // One scenario of the user's own, for its edit page.
  const scenario = await withDb((db) => db.query<{ id: string }>(
    `insert into public.call_scenario_templates (user_id, name, description, prompt, opening_line)
     values ($1, 'Gym push', 'A nudge to get to the gym', 'Encourage the user to go to the gym this morning.', 'Rise and shine, gym time!')
     returning id`, [userId])).then((r) => r.rows[0]!.id);
  const urls: Record<string, string> = {
    '/calls/[id]': `/calls/${done}`, '/personas/[slug]': '/personas/brad', '/scenarios/[id]': `/scenarios/${scenario}`
  };
  for (const route of SIGNED_IN) {
    await page.goto(urls[route] ?? route);
    await check(page, `user-${slug(route)}`);
  }
  // Refused: the operator pages, to someone without the role.
  await page.goto('/operator');
  await check(page, 'user-operator-refused');
});

test('operator pages, as an operator, at 1280 and 390 px', async ({ browser }) => {
  test.setTimeout(600_000);
  const other = await (await browser.newContext()).newPage();
  const otherId = await userIdByEmail(await signUp(other, 'Grace', 'a11y-other'));
  const call = await insertCall(otherId, 'brad');
  await setCallCosts(call, { twilio: 0.0085, deepgram: 0.0043, cerebras: 0.0011, elevenlabs: 0.018 });
  await finishCall(call, 0);
  // Metered usage, as the relay reports it, so the spend page has days to show.
  await withDb((db) => db.query(
    `insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, cost_usd, idempotency_key)
     select id, user_id, 'deepgram', 'stt_audio', 12.5, 0.0016, 'a11y:deepgram:' || id from public.calls where id = $1`, [call]));
  // A webhook event kept as an anomaly, with an id as long as a sender may make it: it wraps, never widens the page.
  await withDb((db) => db.query(
    `insert into private.webhook_anomalies (source, event_id, event_type, code, reason, payload)
     values ('stripe', 'evt_' || repeat('x9', 300), 'charge.unknown', 'unappliable_event', 'The event names no object we know.', '{}')`));

  const page = await (await browser.newContext()).newPage();
  const email = await signUp(page, 'Otto', 'a11y-operator');
  await grantOperator(email);
  for (const path of OPERATOR) {
    await page.goto(path);
    await expect(page.getByRole('navigation', { name: 'Operator' })).toBeVisible();
    await check(page, `operator-${slug(path).replace(/^operator-?/, '') || 'users'}`);
  }
});
