import { describe, expect, it } from 'vitest';
import { mergeMetadata } from './metadata.ts';

describe('user_metadata merge', () => {
  it('overwrites given keys, deletes null ones and keeps the rest', () => {
    const current = { name: 'Ada', theme: 'dark', locale: 'en' };
    expect(mergeMetadata(current, { theme: null, name: 'Grace', plan: { tier: 1 } })).toEqual({ name: 'Grace', locale: 'en', plan: { tier: 1 } });
    expect(current).toEqual({ name: 'Ada', theme: 'dark', locale: 'en' });
  });

  it('starts from an empty object when there is no metadata yet', () => {
    expect(mergeMetadata(null, { a: 1, b: null })).toEqual({ a: 1 });
  });
});
