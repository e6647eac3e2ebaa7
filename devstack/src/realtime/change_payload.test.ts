import { describe, expect, it } from 'vitest';
import { buildChangeData, commitTimestamp, unauthorizedData } from './change_payload.ts';
import type { WalChange } from './wal_stream.ts';
import { TransactionAssembler } from './wal_stream.ts';
import { visibilityFunctionSql } from './rls_check.ts';

const types = { id: 'int4', title: 'text', doc: 'jsonb', tags: '_text' };
const base = { types, pk: ['id'], rls: false, select: null, commitTimestamp: '2026-01-01T00:00:00.000Z' };
const cols = [
  { name: 'id', type: 'integer', value: 7 },
  { name: 'title', type: 'text', value: 'hi' },
  { name: 'doc', type: 'jsonb', value: '{"a": [1]}' },
  { name: 'tags', type: 'text[]', value: '{x,y}' }
];

describe('buildChangeData', () => {
  it('shapes an INSERT with typed values and pg type names', () => {
    const data = buildChangeData({ action: 'I', schema: 'public', table: 't', columns: cols }, base);
    expect(data).toEqual({
      schema: 'public', table: 't', commit_timestamp: '2026-01-01T00:00:00.000Z', type: 'INSERT', errors: null,
      columns: [{ name: 'id', type: 'int4' }, { name: 'title', type: 'text' }, { name: 'doc', type: 'jsonb' }, { name: 'tags', type: '_text' }],
      record: { id: 7, title: 'hi', doc: { a: [1] }, tags: '{x,y}' }
    });
  });

  it('takes old_record from the replica identity', () => {
    const change: WalChange = { action: 'U', schema: 'public', table: 't', columns: cols, identity: [{ name: 'id', type: 'integer', value: 7 }] };
    const data = buildChangeData(change, base);
    expect(data.old_record).toEqual({ id: 7 });
    expect(data.record?.title).toBe('hi');
  });

  it('keeps only the key of a deleted row when the table has RLS', () => {
    const change: WalChange = { action: 'D', schema: 'public', table: 't', identity: cols };
    expect(buildChangeData(change, base).old_record).toEqual({ id: 7, title: 'hi', doc: { a: [1] }, tags: '{x,y}' });
    const guarded = buildChangeData(change, { ...base, rls: true });
    expect(guarded.old_record).toEqual({ id: 7 });
    expect(guarded.columns).toEqual([{ name: 'id', type: 'int4' }]);
    expect(guarded.record).toBeUndefined();
  });

  it('limits columns to the select list, keeping the key', () => {
    const data = buildChangeData({ action: 'I', schema: 'public', table: 't', columns: cols }, { ...base, select: ['title'] });
    expect(data.record).toEqual({ id: 7, title: 'hi' });
  });

  it('marks changes a role may not select as unauthorized without data', () => {
    expect(unauthorizedData({ action: 'U', schema: 's', table: 't' }, 'ts')).toMatchObject({ errors: ['Error 401: Unauthorized'], record: {}, old_record: {}, columns: [] });
  });
});

describe('wal2json plumbing', () => {
  it('gives timestamp columns the to_jsonb text form, which Date parses', () => {
    const data = buildChangeData(
      { action: 'I', schema: 's', table: 't', columns: [{ name: 'at', type: 'timestamp with time zone', value: '2026-11-24 16:35:03.599306+00' }] },
      { ...base, types: { at: 'timestamptz' } }
    );
    expect(data.record?.at).toBe('2026-11-24T16:35:03.599306+00:00');
    expect(new Date(String(data.record?.at)).toISOString()).toBe('2026-11-24T16:35:03.599Z');
  });

  it('turns wal2json commit timestamps into ISO 8601', () => {
    expect(commitTimestamp('2026-11-24 16:36:58.554848+00')).toBe('2026-11-24T16:36:58.554Z');
    expect(commitTimestamp('2026-11-24 18:36:58.5+02')).toBe('2026-11-24T16:36:58.500Z');
  });

  it('assembles format-2 lines into transactions', () => {
    const a = new TransactionAssembler();
    expect(a.push({ action: 'B', timestamp: '2026-01-01 00:00:00+00' })).toBeNull();
    expect(a.push({ action: 'I', schema: 's', table: 't', columns: [] })).toBeNull();
    expect(a.push({ action: 'M', prefix: 'x' })).toBeNull();
    const tx = a.push({ action: 'C', timestamp: '2026-01-01 00:00:00+00' });
    expect(tx?.changes).toHaveLength(1);
    expect(tx?.timestamp).toBe('2026-01-01 00:00:00+00');
  });

  it('generates a visibility function that quotes names and casts each key column', () => {
    const sql = visibilityFunctionSql('rt_visible_1_x', {
      oid: 1, schema: 'my schema', table: 'we"ird', pk: [{ name: 'a', sqlType: 'uuid' }, { name: 'b', sqlType: 'integer' }]
    });
    expect(sql).toContain('from "my schema"."we""ird" where "a" = k1 and "b" = k2');
    expect(sql).toContain('k1 uuid := keys[1]::uuid;');
    expect(sql).toContain("set_config('role', roles[i], true)");
  });
});
