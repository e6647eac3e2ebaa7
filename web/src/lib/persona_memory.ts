// What a persona remembers, as the persona page edits it: the switch, and one memory's corrected text. The database
// checks the same limits (persona_memories_text_length); checking here first gives a sentence a person can act on.
import type { Parsed } from './forms.ts';

type Fields = { get(name: string): FormDataEntryValue | null };

export type MemoryKind = 'fact' | 'summary';
export const MEMORY_MAX_CHARS: Record<MemoryKind, number> = { fact: 200, summary: 1000 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The memory a form names, or a sentence. */
export function parseMemoryId(f: Fields): Parsed<string> {
  const id = String(f.get('id') ?? '').trim();
  return UUID.test(id) ? { ok: true, value: id } : { ok: false, errors: { id: 'That memory is not there any more. Reload the page.' } };
}

/** A memory's corrected text: trimmed, on one line, not empty and within its kind's limit. */
export function parseMemoryText(f: Fields, kind: MemoryKind): Parsed<string> {
  const text = String(f.get('text') ?? '').replace(/\s+/g, ' ').trim();
  if (!text) return { ok: false, errors: { text: 'Write something, or use Forget to delete this memory.' } };
  const max = MEMORY_MAX_CHARS[kind];
  if (text.length > max) return { ok: false, errors: { text: `Keep it to ${max.toLocaleString('en-US')} characters (now ${text.length.toLocaleString('en-US')}).` } };
  return { ok: true, value: text };
}

/** The memory switch: "true" or "false", nothing else. */
export function parseMemoryEnabled(f: Fields): Parsed<boolean> {
  const v = String(f.get('memory_enabled') ?? '');
  return v === 'true' || v === 'false' ? { ok: true, value: v === 'true' } : { ok: false, errors: { memory_enabled: 'Choose whether to turn memory on or off.' } };
}
