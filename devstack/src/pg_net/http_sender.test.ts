import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRequest } from './http_sender.ts';

let server: Server;
let base: string;
const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 1000);
        return;
      }
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Answer': '42' });
      res.end(JSON.stringify({ got: body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('sendRequest', () => {
  it('sends method, headers and body and records status, headers and content', async () => {
    const row = await sendRequest({
      id: '7',
      method: 'POST',
      url: `${base}/hook?x=1`,
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer t' },
      body: Buffer.from('{"a":1}'),
      timeout_milliseconds: 2000
    });
    expect(row).toMatchObject({
      id: '7',
      status_code: 201,
      content_type: 'application/json',
      content: '{"got":"{\\"a\\":1}"}',
      timed_out: false,
      error_msg: null
    });
    expect(row.headers?.['x-answer']).toBe('42');
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: '/hook?x=1', body: '{"a":1}' });
    expect(last.headers.authorization).toBe('Bearer t');
  });

  it('sends a GET without a body', async () => {
    const row = await sendRequest({ id: '8', method: 'GET', url: `${base}/g`, headers: {}, body: null, timeout_milliseconds: 2000 });
    expect(row.status_code).toBe(201);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', body: '' });
  });

  it('records a timeout', async () => {
    const row = await sendRequest({ id: '9', method: 'GET', url: `${base}/slow`, headers: {}, body: null, timeout_milliseconds: 100 });
    expect(row).toMatchObject({ id: '9', status_code: null, timed_out: true, error_msg: 'Timeout of 100 ms reached' });
  });

  it('records a connection failure', async () => {
    const row = await sendRequest({ id: '10', method: 'GET', url: 'http://127.0.0.1:1/', headers: {}, body: null, timeout_milliseconds: 2000 });
    expect(row.status_code).toBeNull();
    expect(row.timed_out).toBe(false);
    expect(row.error_msg).toMatch(/ECONNREFUSED/);
  });

  it('records an unusable URL without sending anything', async () => {
    const row = await sendRequest({ id: '11', method: 'GET', url: 'ftp://example.test/x', headers: {}, body: null, timeout_milliseconds: 100 });
    expect(row).toMatchObject({ status_code: null, timed_out: false });
    expect(row.error_msg).toMatch(/unsupported protocol ftp:/);
  });
});
