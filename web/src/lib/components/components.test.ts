import { describe, expect, it } from 'vitest';
import { renderComponent } from './render_ssr.ts';

describe('BudgetMeter', () => {
  it('shows spent, held and left, and names them for screen readers', async () => {
    const html = await renderComponent('BudgetMeter.svelte', { spentCents: 450, reservedCents: 100, capCents: 2000, warnAtPercent: 80 });
    expect(html).toContain('aria-label="$4.50 spent and $1.00 held of your $20.00 monthly budget; $14.50 left."');
    expect(html).toContain('$14.50 left of $20.00');
    expect(html).toMatch(/class="meter ok/);
  });

  it('turns to a warning at the warn level and to over at the cap', async () => {
    expect(await renderComponent('BudgetMeter.svelte', { spentCents: 1700, reservedCents: 0, capCents: 2000, warnAtPercent: 80 })).toMatch(/class="meter warn/);
    expect(await renderComponent('BudgetMeter.svelte', { spentCents: 2100, reservedCents: 0, capCents: 2000, warnAtPercent: 80 })).toMatch(/class="meter over/);
  });
});

describe('CostSplit', () => {
  it('lists each provider with its cost and share', async () => {
    const html = await renderComponent('CostSplit.svelte', { breakdown: { twilio_usd: '0.03', elevenlabs_usd: '0.01', total_usd: '0.04' } });
    expect(html).toContain('Provider cost $0.040: Twilio $0.030, ElevenLabs $0.010');
    expect(html).toMatch(/Twilio[\s\S]*\(75%\)/);
    expect(html).not.toContain('Deepgram');
  });

  it('says when nothing has been recorded', async () => {
    expect(await renderComponent('CostSplit.svelte', { breakdown: null })).toContain('No provider costs recorded yet.');
  });
});

describe('CostMeter', () => {
  it('shows the running cost against the cap', async () => {
    const html = await renderComponent('CostMeter.svelte', { costCents: 30, capCents: 40, warnAtPercent: 70 });
    expect(html).toContain('Cost so far $0.30 of a $0.40 cap (75%).');
    expect(html).toMatch(/class="gauge warn/);
  });
});

describe('StatusTimeline', () => {
  it('marks the current step', async () => {
    const html = await renderComponent('StatusTimeline.svelte', { call: { status: 'ringing', created_at: '2026-11-24T10:00:00Z', dialed_at: '2026-11-24T10:00:01Z' } });
    expect(html).toMatch(/<li class="current[^"]*" aria-current="step"><span[^>]*><\/span> <span[^>]*>Ringing</);
    expect(html).toContain('Ringing');
  });
});

describe('ChargeBreakdown', () => {
  const lines = [
    { service: 'twilio', markup_percent: 30, provider_cost_usd: 0.018, charged_usd: 0.0234 },
    { service: 'deepgram', markup_percent: 30, provider_cost_usd: 0.0077, charged_usd: 0.01001 }
  ];
  const charge = { payment_method: 'credits', charged_usd_exact: 0.03341, rounded_up_cents: 4, charged_cents: 4, held_cents: 60, released_cents: 56 };

  it('lists each provider with cost, markup and charge, then the rounding, the total the ledger charged and the hold', async () => {
    const html = await renderComponent('ChargeBreakdown.svelte', { lines, charge });
    expect(html).toMatch(/<th scope="row"[^>]*>Twilio <span[^>]*>phone line<\/span><\/th><td class="num[^"]*">\$0\.0180<\/td><td class="num[^"]*">\+30%<\/td><td class="num[^"]*">\$0\.0234<\/td>/);
    expect(html).toContain('Rounded up to the whole cent once per call, on the total: $0.03341 becomes $0.04.');
    expect(html).toMatch(/data-testid="charged-total"[^>]*>4 credits \(\$0\.04\)</);
    expect(html).toContain('Held when the call started: 60 credits; released when it settled: 56 credits.');
  });

  it('waits for the settlement before showing a total', async () => {
    const html = await renderComponent('ChargeBreakdown.svelte', { lines: [], charge: { ...charge, charged_cents: null, released_cents: null } });
    expect(html).toMatch(/data-testid="charged-total"[^>]*>Settling…</);
    expect(html).toContain('No provider usage was recorded for this call.');
  });
});

describe('LedgerLines', () => {
  const call = {
    line_id: 14, kind: 'call', call_id: 'c1', call_state: 'charged', change: -4, held_credits: 100, released_credits: 96,
    balance_after: 996, persona_name: 'Brad', description: null, created_at: '2026-12-05T10:00:00Z',
    entries: [{ id: 11, type: 'reservation', amount: -100 }, { id: 14, type: 'settlement', amount: 96 }]
  };
  const purchase = { ...call, line_id: 12, kind: 'purchase', call_id: null, call_state: null, change: 500, balance_after: 1000, entries: [{ id: 12, type: 'purchase', amount: 500 }] };

  it('shows a call as one line with its net charge, the hold and the release folded beneath it', async () => {
    const html = await renderComponent('LedgerLines.svelte', { lines: [call, purchase] });
    expect(html.match(/<tr[\s>]/g)).toHaveLength(3);
    expect(html).toContain('<a href="/calls/c1">Call with Brad</a>');
    expect(html).toMatch(/<details[^>]*><summary[^>]*>Hold and release<\/summary>[\s\S]*Held for the call[\s\S]*−100[\s\S]*Released when it settled[\s\S]*\+96[\s\S]*<\/details>/);
    expect(html).toMatch(/data-testid="line-change">−4</);
    expect(html).toMatch(/data-testid="line-change">\+500</);
    expect(html.match(/<details[\s>]/g)).toHaveLength(1);
  });
});
