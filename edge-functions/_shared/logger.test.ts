import assert from 'node:assert/strict';
import { functionLogger, logCallId, requestIdOf, withRequestLog } from './logger.ts';

const T = new Date('2026-12-07T10:00:00.000Z');

function capture(fn = 'calls-create') {
  const lines: string[] = [];
  const log = functionLogger(fn, (l) => lines.push(l), () => T);
  return { log, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

Deno.test('a line outside a request is one JSON object with time, level, msg and the function', () => {
  const { log, lines } = capture();
  log('dispatch: 2 dialled', { dialled: 2 });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes('\n'));
  assert.deepEqual(JSON.parse(lines[0]!), { time: T.toISOString(), level: 'info', msg: 'dispatch: 2 dialled', fn: 'calls-create', dialled: 2 });
});

Deno.test('every line of a request carries its request id, taken from x-request-id, and its call id once known', async () => {
  const { log, records } = capture();
  const handler = withRequestLog(log, async () => {
    log('before');
    await Promise.resolve();
    logCallId('0b7a2b6e-4f0e-4c8a-9d55-0f5c3d9b1a11');
    log('card-payments: hold declined', { level: 'warn' });
    return new Response('{}', { status: 201 });
  });
  const res = await handler(new Request('http://x/functions/v1/calls-create', { method: 'POST', headers: { 'x-request-id': 'req-42' } }));
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('x-request-id'), 'req-42');
  const [before, declined, done] = records();
  assert.deepEqual([before!.msg, before!.request_id, before!.call_id], ['before', 'req-42', undefined]);
  assert.deepEqual([declined!.level, declined!.request_id, declined!.call_id], ['warn', 'req-42', '0b7a2b6e-4f0e-4c8a-9d55-0f5c3d9b1a11']);
  assert.deepEqual({ ...done, ms: 0 }, {
    time: T.toISOString(), level: 'info', msg: 'request', request_id: 'req-42', call_id: '0b7a2b6e-4f0e-4c8a-9d55-0f5c3d9b1a11',
    fn: 'calls-create', method: 'POST', path: '/functions/v1/calls-create', status: 201, ms: 0
  });
});

Deno.test('two requests in flight at once keep their own ids', async () => {
  const { log, records } = capture();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const handler = withRequestLog(log, async (req) => {
    const id = req.headers.get('x-request-id')!;
    if (id === 'first') await gate;
    log('work', { for: id });
    return new Response('ok');
  });
  const first = handler(new Request('http://x/', { headers: { 'x-request-id': 'first' } }));
  await handler(new Request('http://x/', { headers: { 'x-request-id': 'second' } }));
  release();
  await first;
  for (const r of records().filter((r) => r.msg === 'work')) assert.equal(r.request_id, r.for);
});

Deno.test('the request id comes from sb-request-id, else is generated; a malformed one is not echoed', () => {
  assert.equal(requestIdOf(new Request('http://x/', { headers: { 'sb-request-id': 'abc-123' } })), 'abc-123');
  const made = requestIdOf(new Request('http://x/'));
  assert.match(made, /^[0-9a-f-]{36}$/);
  const injected = requestIdOf(new Request('http://x/', { headers: { 'x-request-id': 'a b"}{' } }));
  assert.match(injected, /^[0-9a-f-]{36}$/);
});

Deno.test('an exception escaping the handler is logged with the request id and answered 500 internal_error', async () => {
  const { log, records } = capture('stripe-webhook');
  const res = await withRequestLog(log, () => {
    throw new Error('database went away');
  })(new Request('http://x/', { headers: { 'x-request-id': 'r-9' } }));
  assert.equal(res.status, 500);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'internal_error');
  const [failed, request] = records();
  assert.deepEqual([failed!.level, failed!.msg, failed!.request_id, (failed!.err as { message: string }).message], ['error', 'request.failed', 'r-9', 'database went away']);
  assert.deepEqual([request!.level, request!.status], ['error', 500]);
});
