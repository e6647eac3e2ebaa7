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
