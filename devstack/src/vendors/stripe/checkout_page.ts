// The local page a Checkout Session's `url` opens: what is being bought, and Pay / Cancel buttons. It says
// plainly that it is a stand-in, so nobody mistakes it for a real payment form.

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function money(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1a1a2e}
.badge{display:inline-block;background:#fff3cd;border:1px solid #e0c36a;border-radius:4px;padding:.2rem .5rem;font-size:.8rem}
.total{font-size:2rem;margin:.5rem 0}button{font-size:1rem;padding:.6rem 1.4rem;margin-right:.5rem;border-radius:6px;cursor:pointer}
#pay{background:#635bff;color:#fff;border:0}#cancel{background:#fff;border:1px solid #999}
.items{list-style:none;padding:0}.items li{display:flex;justify-content:space-between;gap:1rem;padding:.3rem 0;border-bottom:1px solid #eee}`;

const MODES: Record<string, string> = {
  payment: 'One-time payment',
  subscription: 'Subscription, billed monthly until you cancel',
  setup: 'Save a card for later payments: nothing is charged now'
};

interface PageItem {
  name: string;
  amount: number;
  currency: string;
  quantity: number;
}

/** What is being bought, as Stripe's hosted page shows it: each item's name and price, the total and the mode. */
export function checkoutPage(session: Record<string, unknown>, items: PageItem[]): string {
  const s = session as { mode: string; amount_total: number | null; currency: string | null; id: string };
  const lines = items.map((it) => `<li data-testid="checkout-item"><span class="name">${escapeHtml(it.name)}${it.quantity > 1 ? ` × ${it.quantity}` : ''}</span> `
    + `<span>${escapeHtml(money(it.amount * it.quantity, it.currency))}${s.mode === 'subscription' ? ' a month' : ''}</span></li>`).join('');
  const total = s.amount_total === null || !s.currency ? '' : `<p class="total" data-testid="checkout-total">${escapeHtml(money(s.amount_total, s.currency))}`
    + ` <small data-testid="checkout-currency">${escapeHtml(s.currency.toUpperCase())}</small></p>`;
  const action = s.mode === 'setup' ? 'Save card' : s.mode === 'subscription' ? 'Subscribe' : 'Pay';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout (devstack stand-in)</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body>
<p class="badge">Demo checkout: devstack Stripe stand-in, no card is charged</p>
<h1>Call Me Back</h1><p data-testid="checkout-mode">${escapeHtml(MODES[s.mode] ?? s.mode)}</p>
${lines ? `<ul class="items">${lines}</ul>` : ''}${total}
<p class="card">Card: Visa test card ending 4242</p>
<form method="post" action="/checkout/${escapeHtml(s.id)}/pay" style="display:inline"><button id="pay" type="submit">${action}</button></form>
<form method="post" action="/checkout/${escapeHtml(s.id)}/cancel" style="display:inline"><button id="cancel" type="submit">Cancel</button></form>
</body></html>`;
}

export function closedPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout</title><style>${STYLE}</style></head>
<body><p class="badge">Demo checkout: devstack Stripe stand-in</p><p>${escapeHtml(message)}</p></body></html>`;
}
