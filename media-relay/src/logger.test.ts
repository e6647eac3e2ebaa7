import { describe, expect, it } from 'vitest';
import { withFields } from '../../core/src/log_line.ts';
import { jsonLogger } from './logger.ts';

describe('relay logger', () => {
  it('writes each record as one JSON line with time, level, msg, call_id and request_id', () => {
    const lines: string[] = [];
    const log = jsonLogger((l) => lines.push(l), () => new Date('2026-12-07T10:00:00.000Z'));
    const callLog = withFields(withFields(log, { request_id: 'r-1' }), { call_id: 'c-1' });
    callLog('relay.stream.admitted', { kind: 'twilio' });
    log('relay.db.pool_error', { level: 'error', err: new Error('terminating connection') });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: '2026-12-07T10:00:00.000Z', level: 'info', msg: 'relay.stream.admitted', call_id: 'c-1', request_id: 'r-1', kind: 'twilio' },
      { time: '2026-12-07T10:00:00.000Z', level: 'error', msg: 'relay.db.pool_error', err: { name: 'Error', message: 'terminating connection' } }
    ]);
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
  });
});
