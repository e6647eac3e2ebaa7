// Billing a customer runs alone, in Chromium against devstack (the Stripe stand-in's checkout page and webhooks):
// cancel a checkout and buy again at once, see what is bought on the payment page, save and remove a card, see card
// payments, and subscribe, switch, cancel and resume a plan, on a phone-sized screen without anything overflowing.
import { expect, test, type Page } from '@playwright/test';
import { stackStatus } from '../devstack/src/stack.ts';
import { signUp } from './app_helpers.ts';

const stripePort = new URL(String(stackStatus().STRIPE_API_BASE)).port;
const onCheckoutPage = (page: Page) => page.waitForURL((url) => url.port === stripePort, { timeout: 15_000 });

async function nothingOverflows(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

test.use({ viewport: { width: 390, height: 844 } });

test('a customer buys, saves a card and manages their plan on the billing page alone', async ({ page }) => {
  test.setTimeout(120_000);
  await signUp(page, 'Bea', 'billing');
  await page.goto('/billing');
  await nothingOverflows(page);

  // Cancel on the payment page, then buy again: a new checkout opens at once.
  await page.getByRole('button', { name: 'Buy 500 credits for $5.00' }).click();
  await onCheckoutPage(page);
  await expect(page.getByTestId('checkout-item')).toContainText('Call Me Back: 500 credits');
  await expect(page.getByTestId('checkout-total')).toContainText('$5.00');
  await expect(page.getByTestId('checkout-currency')).toHaveText('USD');
  await expect(page.getByTestId('checkout-mode')).toHaveText('One-time payment');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForURL(/\/billing\?checkout=cancelled/);
  await expect(page.getByText('Checkout was cancelled. Nothing was charged.')).toBeVisible();
  await page.getByRole('button', { name: 'Buy 500 credits for $5.00' }).click();
  await onCheckoutPage(page);
  await page.getByRole('button', { name: 'Pay' }).click();
  await page.waitForURL(/\/billing\?checkout=success/);
  await expect(page.getByRole('region', { name: 'Balance' }).getByText('500 credits')).toBeVisible({ timeout: 20_000 });

  // The card charge is in the history, from the webhook.
  await page.goto('/billing');
  const payments = page.getByRole('region', { name: 'Card payments' });
  await expect(payments.getByRole('row', { name: /Credit pack \$5\.00 Paid/ })).toBeVisible();

  // The card the pack was paid with is kept and shown; remove it, then save one without buying anything.
  const card = page.getByRole('region', { name: 'Saved card' });
  await expect(card.getByTestId('saved-card')).toHaveText(/^Visa ending 4242/);
  await card.getByRole('button', { name: 'Remove the saved card' }).click();
  await expect(card.getByText('No card saved.')).toBeVisible();
  await card.getByRole('button', { name: 'Save a card' }).click();
  await onCheckoutPage(page);
  await expect(page.getByTestId('checkout-mode')).toContainText('nothing is charged now');
  await page.getByRole('button', { name: 'Save card' }).click();
  await page.waitForURL(/\/billing\?checkout=card_saved/);
  await expect(card.getByTestId('saved-card')).toHaveText(/^Visa ending 4242, expires 12\/\d{4}$/, { timeout: 20_000 });
  await nothingOverflows(page);
  await card.getByRole('button', { name: 'Remove the saved card' }).click();
  await expect(card.getByText('No card saved.')).toBeVisible();

  // Subscribe; the plans stay on the page to switch between; cancel at period end, then resume.
  await page.getByRole('button', { name: 'Subscribe to Plus for $15.00 a month' }).click();
  await onCheckoutPage(page);
  await expect(page.getByTestId('checkout-item')).toContainText('$15.00 a month');
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await page.waitForURL(/\/billing\?checkout=success/);
  const plan = page.getByRole('region', { name: 'Plan', exact: true });
  await expect(plan.getByTestId('plan-name')).toHaveText(/^Plus Active/, { timeout: 20_000 });
  await expect(plan.getByTestId('plan-period')).toContainText('renews on');
  await expect(page.getByRole('region', { name: 'Monthly plans' }).getByText('Your plan')).toBeVisible();
  await page.getByRole('button', { name: 'Switch to Pro for $40.00 a month' }).click();
  await expect(plan.getByTestId('plan-name')).toHaveText(/^Pro Active/, { timeout: 20_000 });
  await plan.getByRole('button', { name: 'Cancel plan' }).click();
  await plan.getByRole('button', { name: 'Yes, cancel' }).click();
  await expect(plan.getByText(/Your plan is cancelled and ends on/)).toBeVisible({ timeout: 20_000 });
  await expect(plan.getByTestId('plan-period')).toContainText('ends on');
  await plan.getByRole('button', { name: 'Resume plan' }).click();
  await expect(plan.getByTestId('plan-period')).toContainText('renews on', { timeout: 20_000 });
  await nothingOverflows(page);
});

test('a refusal carrying an address shows it as a link that stays inside its card on a phone', async ({ page, browser }) => {
  await signUp(page, 'Cy', 'billing-link');
  // Before the page can act on a click (here: never, without JavaScript) its buttons are disabled, not dead.
  const withoutJs = await browser.newContext({ javaScriptEnabled: false, baseURL: new URL(page.url()).origin, storageState: await page.context().storageState() });
  const staticPage = await withoutJs.newPage();
  await staticPage.goto('/billing');
  await expect(staticPage.getByRole('button', { name: 'Buy 500 credits for $5.00' })).toBeDisabled();
  await withoutJs.close();
  const address = `${String(stackStatus().STRIPE_API_BASE)}/checkout/cs_test_${'a1B2c3D4e5'.repeat(6)}`;
  // The function's answer is replaced, so the page has to render whatever sentence a server sends.
  await page.route('**/functions/v1/billing-checkout', (route) => route.fulfill({
    status: 409, contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'checkout_in_progress', message: `Finish or cancel it (${address}) before starting another.` } })
  }));
  await page.goto('/billing');
  await page.getByRole('button', { name: 'Buy 500 credits for $5.00' }).click();
  const alert = page.getByRole('alert');
  await expect(alert.getByRole('link', { name: address })).toHaveAttribute('href', address);
  const fits = await alert.evaluate((el) => {
    const card = el.closest('.card')!.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    return box.left >= card.left && box.right <= card.right;
  });
  expect(fits).toBe(true);
  await nothingOverflows(page);
});
