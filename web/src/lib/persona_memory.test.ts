import { describe, expect, it } from 'vitest';
import { parseMemoryEnabled, parseMemoryId, parseMemoryText } from './persona_memory.ts';

const form = (fields: Record<string, string>) => ({ get: (k: string) => fields[k] ?? null });

describe('persona memory forms', () => {
  it('takes a corrected memory trimmed onto one line', () => {
    expect(parseMemoryText(form({ text: '  sister:\n Ana  ' }), 'fact')).toEqual({ ok: true, value: 'sister: Ana' });
  });

  it('refuses an empty memory and one over its kind\'s limit, with a sentence', () => {
    expect(parseMemoryText(form({ text: '   ' }), 'fact')).toEqual({ ok: false, errors: { text: 'Write something, or use Forget to delete this memory.' } });
    expect(parseMemoryText(form({ text: 'x'.repeat(201) }), 'fact')).toEqual({ ok: false, errors: { text: 'Keep it to 200 characters (now 201).' } });
    expect(parseMemoryText(form({ text: 'x'.repeat(201) }), 'summary').ok).toBe(true);
    expect(parseMemoryText(form({ text: 'x'.repeat(1001) }), 'summary')).toEqual({ ok: false, errors: { text: 'Keep it to 1,000 characters (now 1,001).' } });
  });

  it('reads the memory switch and the memory id strictly', () => {
    expect(parseMemoryEnabled(form({ memory_enabled: 'false' }))).toEqual({ ok: true, value: false });
    expect(parseMemoryEnabled(form({ memory_enabled: 'on' })).ok).toBe(false);
    expect(parseMemoryId(form({ id: 'c0000000-0000-4000-8000-000000000001' })).ok).toBe(true);
    expect(parseMemoryId(form({ id: "1' or 1=1" })).ok).toBe(false);
  });
});
