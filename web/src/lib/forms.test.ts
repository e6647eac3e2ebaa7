import { describe, expect, it } from 'vitest';
import { pageCount, pageRange, parseBudgetForm, parsePage, parsePersonaForm, parseScenarioForm, relationshipLabel } from './forms.ts';

const form = (o: Record<string, string>) => new URLSearchParams(o);

describe('parseBudgetForm', () => {
  it('turns dollars into cents', () => {
    const r = parseBudgetForm(form({ per_call_cap: '3', monthly_cap: '25.50', warn_at_percent_per_call: '75', enable_auto_cutoff: 'on' }));
    expect(r).toEqual({ ok: true, value: { max_cost_per_call_cents: 300, max_monthly_spend_cents: 2550, warn_at_percent_per_call: 75, enable_auto_cutoff: true } });
  });

  it('names each wrong field', () => {
    const r = parseBudgetForm(form({ per_call_cap: '30', monthly_cap: '20', warn_at_percent_per_call: '0' }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.per_call_cap).toMatch(/more than the monthly/);
      expect(r.errors.warn_at_percent_per_call).toMatch(/between 1 and 100/);
    }
    const empty = parseBudgetForm(form({ per_call_cap: 'x', monthly_cap: '', warn_at_percent_per_call: '80' }));
    expect(!empty.ok && Object.keys(empty.errors).sort()).toEqual(['monthly_cap', 'per_call_cap']);
  });
});

describe('parsePersonaForm', () => {
  const good = { relationship_type: 'coach', nickname: ' Champ ', custom_prompt: '', voice_stability: '0.5', voice_similarity_boost: '0.75', voice_style: '0', voice_speed: '1.1' };

  it('accepts a customisation and blanks become null', () => {
    const r = parsePersonaForm(form(good));
    expect(r).toEqual({ ok: true, value: { relationship_type: 'coach', nickname: 'Champ', custom_prompt: null, voice_stability: 0.5, voice_similarity_boost: 0.75, voice_style: 0, voice_speed: 1.1 } });
  });

  it('refuses unknown types and out-of-range voice settings', () => {
    const r = parsePersonaForm(form({ ...good, relationship_type: 'boss', voice_speed: '2', custom_prompt: 'x'.repeat(2001) }));
    expect(!r.ok && Object.keys(r.errors).sort()).toEqual(['custom_prompt', 'relationship_type', 'voice_speed']);
  });

  it('labels relationship types', () => {
    expect(relationshipLabel('best_friend')).toBe('Best friend');
    expect(relationshipLabel(undefined)).toBe('Friend');
  });
});

describe('parseScenarioForm', () => {
  it('needs a name and a prompt', () => {
    const r = parseScenarioForm(form({ name: '', prompt: '' }));
    expect(!r.ok && Object.keys(r.errors).sort()).toEqual(['name', 'prompt']);
  });

  it('converts minutes to seconds', () => {
    const r = parseScenarioForm(form({ name: 'Gym nudge', prompt: 'Get me to the gym.', minutes: '3' }));
    expect(r.ok && r.value).toEqual({ name: 'Gym nudge', description: '', prompt: 'Get me to the gym.', opening_line: null, default_max_duration_seconds: 180 });
  });

  it('offers no longer a call than the service places (30 minutes)', () => {
    expect(parseScenarioForm(form({ name: 'Long', prompt: 'Talk.', minutes: '30' })).ok).toBe(true);
    const r = parseScenarioForm(form({ name: 'Long', prompt: 'Talk.', minutes: '31' }));
    expect(!r.ok && r.errors.minutes).toBe('Choose a length between 1 and 30 minutes.');
  });
});

describe('paging', () => {
  it('maps pages to inclusive ranges', () => {
    expect(pageRange(1, 20)).toEqual({ from: 0, to: 19 });
    expect(pageRange(3, 10)).toEqual({ from: 20, to: 29 });
    expect(pageRange(0, 10)).toEqual({ from: 0, to: 9 });
    expect(pageCount(41, 20)).toBe(3);
    expect(pageCount(0, 20)).toBe(1);
    expect(parsePage('2')).toBe(2);
    expect(parsePage('-1')).toBe(1);
    expect(parsePage(null)).toBe(1);
  });
});
