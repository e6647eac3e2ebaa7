import { describe, expect, it } from 'vitest';
import { formatLogLine, withFields, type LogFields } from './log_line.ts';

const T = new Date('2026-12-07T10:11:12.345Z');

describe('formatLogLine', () => {
  it('writes one JSON object on one line, with time, level and msg first', () => {
    const line = formatLogLine(T, 'relay.stream.admitted', { call_id: 'c1', request_id: 'r1', kind: 'twilio' });
    expect(line).not.toContain('\n');
    expect(Object.keys(JSON.parse(line))).toEqual(['time', 'level', 'msg', 'call_id', 'request_id', 'kind']);
    expect(JSON.parse(line)).toEqual({ time: '2026-12-07T10:11:12.345Z', level: 'info', msg: 'relay.stream.admitted', call_id: 'c1', request_id: 'r1', kind: 'twilio' });
  });

  it('keeps the level asked for, and leaves out ids that are not known', () => {
    expect(JSON.parse(formatLogLine(T, 'x', { level: 'error', call_id: null, request_id: undefined }))).toEqual({ time: T.toISOString(), level: 'error', msg: 'x' });
  });

  it('escapes a message with newlines and quotes, so one record stays one line', () => {
    const line = formatLogLine(T, 'bad "input"\nsecond line');
    expect(line.split('\n')).toHaveLength(1);
    expect(JSON.parse(line).msg).toBe('bad "input"\nsecond line');
  });

  it('turns errors into name and message (no stack), and bigints into strings', () => {
    const err = Object.assign(new TypeError('boom'), { code: 'ECONNREFUSED' });
    expect(JSON.parse(formatLogLine(T, 'x', { err, usd: 12n }))).toMatchObject({ err: { name: 'TypeError', message: 'boom', code: 'ECONNREFUSED' }, usd: '12' });
  });

  it('never lets a field overwrite the frame', () => {
    const r = JSON.parse(formatLogLine(T, 'real', { msg: 'fake', time: 'then' } as LogFields));
    expect([r.msg, r.time]).toEqual(['real', T.toISOString()]);
  });

  it('keeps the line when a field cannot be serialised', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { again: { and: { more: { deep: cyclic } } } };
    const r = JSON.parse(formatLogLine(T, 'x', { call_id: 'c', cyclic }));
    expect(r).toMatchObject({ msg: 'x', call_id: 'c' });
  });
});

describe('withFields', () => {
  it('binds ids to every line and lets a line add its own fields', () => {
    const seen: [string, LogFields | undefined][] = [];
    const log = withFields((m, f) => seen.push([m, f]), { call_id: 'c1' });
    log('a');
    log('b', { level: 'warn', reason: 'x' });
    expect(seen).toEqual([['a', { call_id: 'c1' }], ['b', { call_id: 'c1', level: 'warn', reason: 'x' }]]);
  });
});
