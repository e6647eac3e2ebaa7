// The public landing page sells the product to a visitor: what it is, how it works, the personas' voices, the
// prices from the catalogue, answers to the usual questions, and a footer with the terms and privacy notice.
import { expect, test, type Response } from '@playwright/test';
import { CREDIT_PACKS, PLANS } from '../core/src/catalogue.ts';
import { snap } from './screens.ts';

const usd = (cents: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);
const isSample = (r: Response) => r.url().includes('/functions/v1/persona-voice-sample') && r.request().method() === 'GET';

test('a visitor sees what it is, how it works, voices to play, prices, answers and the footer', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('Have a persona call you back · Call Me Back');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('call you back');

  const how = page.getByRole('region', { name: 'How it works' });
  await expect(how.getByRole('listitem')).toHaveCount(3);
  await expect(how.getByRole('heading', { name: 'Pick who calls' })).toBeVisible();

  const voices = page.getByRole('region', { name: 'Hear who might call' });
  for (const name of ['Brad', 'Sarah', 'Alex']) {
    await expect(voices.getByRole('heading', { name })).toBeVisible();
    await expect(voices.getByRole('img', { name: `Avatar of ${name}` })).toBeVisible();
  }
  // A visitor, signed out, hears a persona's default voice.
  const answered = page.waitForResponse(isSample);
  await voices.getByRole('button', { name: "Hear Sarah's voice" }).click();
  const res = await answered;
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toMatch(/^audio\//);
  await expect(voices.getByRole('button', { name: "Stop Sarah's voice" })).toBeVisible();
  await voices.getByRole('button', { name: "Stop Sarah's voice" }).click();

  // Prices come from the catalogue the checkout charges.
  const pricing = page.getByRole('region', { name: 'Pricing' });
  const packs = pricing.getByRole('list', { name: 'Credit packs' }).getByRole('listitem');
  await expect(packs).toHaveCount(CREDIT_PACKS.length);
  for (const [i, p] of CREDIT_PACKS.entries()) await expect(packs.nth(i)).toContainText(usd(p.priceCents));
  const plans = pricing.getByRole('list', { name: 'Monthly plans' }).getByRole('listitem');
  await expect(plans).toHaveCount(PLANS.length);
  for (const [i, p] of PLANS.entries()) {
    await expect(plans.nth(i)).toContainText(p.name);
    await expect(plans.nth(i)).toContainText(`${usd(p.priceCents)} a month`);
  }

  const faq = page.getByRole('region', { name: 'Questions and answers' });
  for (const q of ['What does a call cost?', 'Which numbers can it call?', 'What happens to what I say?', 'Can I cancel?']) {
    await expect(faq.getByText(q)).toBeVisible();
  }
  await faq.getByText('Which numbers can it call?').click();
  await expect(faq.getByText(/United States, Canada, United Kingdom/)).toBeVisible();

  await page.setViewportSize({ width: 1280, height: 900 });
  await snap(page, 'landing-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  // Nothing is wider than a phone.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await snap(page, 'landing-390');

  const footer = page.getByRole('contentinfo');
  await footer.getByRole('link', { name: 'Terms' }).click();
  await expect(page).toHaveURL(/\/terms$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Terms of use' })).toBeVisible();
  await expect(page).toHaveTitle('Terms · Call Me Back');
  await footer.getByRole('link', { name: 'Privacy' }).click();
  await expect(page).toHaveURL(/\/privacy$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Privacy notice' })).toBeVisible();
  await expect(page.getByText('The audio of your calls is not recorded.')).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});
