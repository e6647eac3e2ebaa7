// Form input → the row to write, or a sentence per field. The database checks the same rules; checking them
// here first lets the page say which field is wrong before anything is sent.
import { MAX_CALL_SECONDS } from '../../../core/src/pricing.ts';
import { parseDollarsToCents } from './money.ts';
import type { Tables } from '../../../core/src/database.types.ts';

export type FieldErrors = Record<string, string>;
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

type Fields = { get(name: string): FormDataEntryValue | null };

const text = (f: Fields, name: string): string => String(f.get(name) ?? '').trim();

export type BudgetRow = Pick<
  Tables<'user_budget_settings'>,
  'max_cost_per_call_cents' | 'max_monthly_spend_cents' | 'warn_at_percent_per_call' | 'enable_auto_cutoff'
>;

/** Caps are typed in dollars; warn-at is a whole percent 1–100. */
export function parseBudgetForm(f: Fields): Parsed<BudgetRow> {
  const errors: FieldErrors = {};
  const perCall = parseDollarsToCents(text(f, 'per_call_cap'));
  const monthly = parseDollarsToCents(text(f, 'monthly_cap'));
  const warn = Number(text(f, 'warn_at_percent_per_call'));
  if (perCall === null) errors.per_call_cap = 'Enter a per-call limit in dollars, for example 3.00.';
  if (monthly === null) errors.monthly_cap = 'Enter a monthly limit in dollars, for example 20.00.';
  if (perCall !== null && monthly !== null && perCall > monthly) {
    errors.per_call_cap = 'The per-call limit cannot be more than the monthly limit.';
  }
  if (!Number.isInteger(warn) || warn < 1 || warn > 100) errors.warn_at_percent_per_call = 'Choose a warning level between 1 and 100 percent.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { max_cost_per_call_cents: perCall!, max_monthly_spend_cents: monthly!, warn_at_percent_per_call: warn, enable_auto_cutoff: f.get('enable_auto_cutoff') === 'on' } };
}

export const RELATIONSHIP_TYPES = [
  ['friend', 'Friend'],
  ['best_friend', 'Best friend'],
  ['partner', 'Partner'],
  ['sibling', 'Sibling'],
  ['parent', 'Parent'],
  ['grandparent', 'Grandparent'],
  ['coach', 'Coach'],
  ['mentor', 'Mentor'],
  ['colleague', 'Colleague'],
  ['assistant', 'Assistant'],
  ['other', 'Something else']
] as const;

export function relationshipLabel(type: string | null | undefined): string {
  return RELATIONSHIP_TYPES.find(([k]) => k === type)?.[1] ?? 'Friend';
}

export interface PersonaCustomisation {
  relationship_type: string;
  nickname: string | null;
  custom_prompt: string | null;
  voice_stability: number;
  voice_similarity_boost: number;
  voice_style: number;
  voice_speed: number;
}

/** Voice settings and their allowed ranges (ElevenLabs voice_settings). */
export const VOICE_SETTINGS = [
  { name: 'voice_stability', label: 'Stability', min: 0, max: 1, step: 0.05, hint: 'Higher is steadier, lower is more expressive.' },
  { name: 'voice_similarity_boost', label: 'Similarity', min: 0, max: 1, step: 0.05, hint: 'How closely it sticks to the original voice.' },
  { name: 'voice_style', label: 'Style', min: 0, max: 1, step: 0.05, hint: 'Exaggerates the speaking style; adds a little delay.' },
  { name: 'voice_speed', label: 'Speed', min: 0.7, max: 1.2, step: 0.05, hint: '1.0 is normal speed.' }
] as const;

export function parsePersonaForm(f: Fields): Parsed<PersonaCustomisation> {
  const errors: FieldErrors = {};
  const type = text(f, 'relationship_type') || 'friend';
  if (!RELATIONSHIP_TYPES.some(([k]) => k === type)) errors.relationship_type = 'Pick who this persona is to you from the list.';
  const nickname = text(f, 'nickname');
  if (nickname.length > 50) errors.nickname = 'Keep the nickname to 50 characters or fewer.';
  const prompt = text(f, 'custom_prompt');
  if (prompt.length > 2000) errors.custom_prompt = `Keep the instructions to 2,000 characters (now ${prompt.length}).`;
  const voice: Record<string, number> = {};
  for (const v of VOICE_SETTINGS) {
    const n = Number(text(f, v.name));
    if (text(f, v.name) === '' || !Number.isFinite(n) || n < v.min || n > v.max) errors[v.name] = `${v.label} must be between ${v.min} and ${v.max}.`;
    else voice[v.name] = Math.round(n * 100) / 100;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      relationship_type: type,
      nickname: nickname || null,
      custom_prompt: prompt || null,
      voice_stability: voice.voice_stability!,
      voice_similarity_boost: voice.voice_similarity_boost!,
      voice_style: voice.voice_style!,
      voice_speed: voice.voice_speed!
    }
  };
}

export type ScenarioRow = Pick<
  Tables<'call_scenario_templates'>,
  'name' | 'description' | 'prompt' | 'opening_line' | 'default_max_duration_seconds'
>;

/** The longest call anyone can book: one limit shared with the functions, the relay and the database. */
export const MAX_CALL_MINUTES = MAX_CALL_SECONDS / 60;

/** The call lengths the call form offers, in minutes. */
export const CALL_MINUTE_CHOICES = [1, 2, 3, 5, 10, 15, 20, 30] as const;

export function parseScenarioForm(f: Fields): Parsed<ScenarioRow> {
  const errors: FieldErrors = {};
  const name = text(f, 'name');
  const description = text(f, 'description');
  const prompt = text(f, 'prompt');
  const opening = text(f, 'opening_line');
  const minutes = Number(text(f, 'minutes') || '5');
  if (!name) errors.name = 'Give the scenario a name.';
  else if (name.length > 80) errors.name = 'Keep the name to 80 characters or fewer.';
  if (description.length > 500) errors.description = 'Keep the description to 500 characters or fewer.';
  if (!prompt) errors.prompt = 'Tell the persona what the call is about.';
  else if (prompt.length > 4000) errors.prompt = 'Keep the instructions to 4,000 characters or fewer.';
  if (opening.length > 300) errors.opening_line = 'Keep the opening line to 300 characters or fewer.';
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_CALL_MINUTES) errors.minutes = `Choose a length between 1 and ${MAX_CALL_MINUTES} minutes.`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { name, description, prompt, opening_line: opening || null, default_max_duration_seconds: minutes * 60 } };
}

/** Page n (1-based) of `size` rows → the inclusive row range PostgREST's range() takes. */
export function pageRange(page: number, size: number): { from: number; to: number } {
  const p = Number.isInteger(page) && page > 0 ? page : 1;
  return { from: (p - 1) * size, to: p * size - 1 };
}

export function pageCount(total: number | null | undefined, size: number): number {
  return Math.max(1, Math.ceil((total ?? 0) / size));
}

/** A positive page number from the query string; 1 otherwise. */
export function parsePage(value: string | null): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n < 100000 ? n : 1;
}
