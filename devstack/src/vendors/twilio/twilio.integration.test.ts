// The Twilio stand-in driven over real HTTP and WebSockets: a product-side TwiML + status-callback server and a
// Media Streams endpoint, as the production edge functions and relay provide them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody } from '../../gateway/http.ts';
import { synthesizeMulaw } from '../speech/espeak.ts';
import { startTwilioStandIn } from './server.ts';

const ACCOUNT = 'AC0000000000000000000000000000test';
const TOKEN = 'test-auth-token';
const VERIFY = 'VA0000000000000000000000000000test';

interface Callback {
  path: string;
  params: Record<string, string>;
  validSignature: boolean;
}

let stand: Awaited<ReturnType<typeof startTwilioStandIn>>;
let product: Server;
let productUrl = '';
const callbacks: Callback[] = [];
const twimlFetches: Callback[] = [];
const streamEvents: { event: string; data: Record<string, unknown> }[] = [];
let inboundSpeechFrames = 0;

async function api(path: string, params: Record<string, string | string[]>, method = 'POST') {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) body.append(k, x);
  const res = await fetch(`${stand.url}${path}`, {
    method,
    headers: { Authorization: `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: method === 'GET' ? undefined : body.toString()
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function waitFor<T>(fn: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  stand = await startTwilioStandIn({ port: 0, accountSid: ACCOUNT, authToken: TOKEN, verifyServiceSid: VERIFY, log: () => undefined, ringMs: 50 });
  const greeting = await synthesizeMulaw('Hi, this is Brad.');
  product = createServer(async (req, res) => {
    const params = Object.fromEntries(new URLSearchParams((await readBody(req)).toString()));
    const url = `${productUrl}${req.url}`;
    const validSignature = twilio.validateRequest(TOKEN, String(req.headers['x-twilio-signature'] ?? ''), url, params);
    if (req.url?.startsWith('/twiml')) {
      twimlFetches.push({ path: req.url, params, validSignature });
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      const ws = productUrl.replace('http', 'ws');
      res.end(`<?xml version="1.0"?><Response><Connect><Stream url="${ws}/stream"><Parameter name="call_id" value="call-1"/><Parameter name="stream_token" value="tok&amp;1"/></Stream></Connect></Response>`);
      return;
    }
    callbacks.push({ path: req.url ?? '', params, validSignature });
    res.writeHead(204);
    res.end();
  });
  const wss = new WebSocketServer({ server: product, path: '/stream' });
  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { event: string; media?: { payload: string }; streamSid?: string };
      streamEvents.push({ event: msg.event, data: msg as unknown as Record<string, unknown> });
      if (msg.event === 'start') {
        for (let i = 0; i < greeting.length; i += 160) {
          ws.send(JSON.stringify({ event: 'media', streamSid: msg.streamSid, media: { payload: greeting.subarray(i, i + 160).toString('base64') } }));
        }
        ws.send(JSON.stringify({ event: 'mark', streamSid: msg.streamSid, mark: { name: 'greeting' } }));
      }
      if (msg.event === 'media' && msg.media) {
        const bytes = Buffer.from(msg.media.payload, 'base64');
        if (bytes.some((b) => b !== 0xff && b !== 0x7f)) inboundSpeechFrames++;
      }
    });
  });
  await new Promise<void>((r) => product.listen(0, '127.0.0.1', () => r()));
  productUrl = `http://127.0.0.1:${(product.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await stand.close();
  product.closeAllConnections();
  await new Promise((r) => product.close(r));
});

describe('Twilio stand-in', () => {
  it('refuses requests without the account credentials, with Twilio error 20003', async () => {
    const res = await fetch(`${stand.url}/2010-04-01/Accounts/${ACCOUNT}/Calls.json`, { method: 'POST', body: '' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: number }).code).toBe(20003);
  });

  it('rejects an invalid To number with error 21211', async () => {
    const r = await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`, { To: 'call me', From: '+15005550006', Url: `${productUrl}/twiml` });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(21211);
  });

  it('places a call: signed TwiML fetch, Media Streams with parameters, a callee who answers, signed callbacks in order', async () => {
    await fetch(`${stand.url}/devstack/scripts/${encodeURIComponent('+14155550100')}`, {
      method: 'PUT', body: JSON.stringify({ lines: [{ text: 'Hello Brad, nice to hear you.' }], hangupAfterMs: 300, noReplyHangupMs: 300, replyGapMs: 300 })
    });
    const created = await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`, {
      To: '+14155550100', From: '+15005550006', Url: `${productUrl}/twiml`, StatusCallback: `${productUrl}/status`,
      StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'], Timeout: '20', TimeLimit: '60'
    });
    expect(created.status).toBe(201);
    const callSid = String(created.body.sid);
    expect(callSid).toMatch(/^CA[0-9a-f]{32}$/);

    const done = await waitFor(() => callbacks.find((c) => c.params.CallSid === callSid && c.params.CallStatus === 'completed'));
    const mine = callbacks.filter((c) => c.params.CallSid === callSid);
    expect(mine.map((c) => c.params.CallStatus)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(mine.map((c) => Number(c.params.SequenceNumber))).toEqual([0, 1, 2, 3]);
    expect(mine.every((c) => c.validSignature)).toBe(true);
    expect(Number(done.params.CallDuration)).toBeGreaterThan(0);

    const start = streamEvents.find((e) => e.event === 'start')!.data.start as { callSid: string; customParameters: Record<string, string>; mediaFormat: { encoding: string } };
    expect(start.callSid).toBe(callSid);
    expect(start.customParameters).toEqual({ call_id: 'call-1', stream_token: 'tok&1' });
    expect(start.mediaFormat.encoding).toBe('audio/x-mulaw');
    expect(streamEvents[0]!.event).toBe('connected');
    // The mark is echoed only after the greeting has played, then the callee speaks, then the stream stops.
    expect(streamEvents.some((e) => e.event === 'mark')).toBe(true);
    expect(inboundSpeechFrames).toBeGreaterThan(25);
    expect(streamEvents.at(-1)!.event).toBe('stop');

    const fetched = await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls/${callSid}.json`, {}, 'GET');
    expect(fetched.body.status).toBe('completed');
  });

  it.each([
    ['+12025550110', 'busy'],
    ['+12025550111', 'no-answer'],
    ['+12025550112', 'failed']
  ])('a call to %s ends %s without fetching TwiML', async (to, outcome) => {
    const created = await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`, {
      To: to, From: '+15005550006', Url: `${productUrl}/twiml`, StatusCallback: `${productUrl}/status`, StatusCallbackEvent: ['completed'], Timeout: '5'
    });
    const callSid = String(created.body.sid);
    const last = await waitFor(() => callbacks.find((c) => c.params.CallSid === callSid));
    expect(last.params.CallStatus).toBe(outcome);
    expect(last.validSignature).toBe(true);
  });

  it('hangs up an answered call on REST update Status=completed', async () => {
    const created = await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`, {
      To: '+14155550199', From: '+15005550006', Url: `${productUrl}/twiml`, StatusCallback: `${productUrl}/status`, StatusCallbackEvent: ['answered', 'completed']
    });
    const callSid = String(created.body.sid);
    await waitFor(() => callbacks.find((c) => c.params.CallSid === callSid && c.params.CallStatus === 'in-progress'));
    await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls/${callSid}.json`, { Status: 'completed' });
    const done = await waitFor(() => callbacks.find((c) => c.params.CallSid === callSid && c.params.CallStatus === 'completed'));
    expect(done.validSignature).toBe(true);
  });

  it('asynchronous answering-machine detection: TwiML first without a verdict, then a signed verdict callback', async () => {
    const created = await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`, {
      To: '+12025550113', From: '+15005550006', Url: `${productUrl}/twiml?n=amd`, StatusCallback: `${productUrl}/status`,
      StatusCallbackEvent: ['answered', 'completed'], MachineDetection: 'DetectMessageEnd', AsyncAmd: 'true',
      AsyncAmdStatusCallback: `${productUrl}/amd`
    });
    const callSid = String(created.body.sid);
    const verdict = await waitFor(() => callbacks.find((c) => c.path === '/amd' && c.params.CallSid === callSid));
    expect(verdict.params.AnsweredBy).toBe('machine_end_beep');
    expect(verdict.validSignature).toBe(true);
    const fetchOfTwiml = twimlFetches.find((f) => f.params.CallSid === callSid)!;
    expect(fetchOfTwiml.params.AnsweredBy).toBeUndefined();

    // The product answers a machine by replacing the call's TwiML: the stream stops, the message is said, the call ends.
    const streamsBefore = streamEvents.filter((e) => e.event === 'stop').length;
    const update = await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls/${callSid}.json`, {
      Twiml: '<Response><Say>Sorry I missed you, talk soon!</Say><Hangup/></Response>'
    });
    expect(update.status).toBe(200);
    const done = await waitFor(() => callbacks.find((c) => c.params.CallSid === callSid && c.params.CallStatus === 'completed'));
    expect(done.params.AnsweredBy).toBe('machine_end_beep');
    expect(streamEvents.filter((e) => e.event === 'stop').length).toBe(streamsBefore + 1);
    const res = await fetch(`${stand.url}/devstack/calls/${callSid}`);
    const log = ((await res.json()) as { log: string[] }).log;
    expect(log).toContain('say: Sorry I missed you, talk soon!');
    expect(log.indexOf('say: Sorry I missed you, talk soon!')).toBeLessThan(log.indexOf('status: completed'));
  });

  it('a human answer gets the verdict human; an unparseable Twiml update is refused with 12100 and changes nothing', async () => {
    const created = await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`, {
      To: '+14155550177', From: '+15005550006', Url: `${productUrl}/twiml`, StatusCallback: `${productUrl}/status`,
      StatusCallbackEvent: ['answered', 'completed'], MachineDetection: 'DetectMessageEnd', AsyncAmd: 'true',
      AsyncAmdStatusCallback: `${productUrl}/amd`
    });
    const callSid = String(created.body.sid);
    const verdict = await waitFor(() => callbacks.find((c) => c.path === '/amd' && c.params.CallSid === callSid));
    expect(verdict.params.AnsweredBy).toBe('human');
    const bad = await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls/${callSid}.json`, { Twiml: '<Say>no root</Say>' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(12100);
    expect((await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls/${callSid}.json`, {}, 'GET')).body.status).toBe('in-progress');
    await api(`/2010-04-01/Accounts/${ACCOUNT}/Calls/${callSid}.json`, { Status: 'completed' });
    await waitFor(() => callbacks.find((c) => c.params.CallSid === callSid && c.params.CallStatus === 'completed'));
  });

  it('Verify: sends a 6-digit code to the outbox, approves the right code, locks after 5 wrong ones', async () => {
    const to = '+447700900123';
    expect((await api(`/v2/Services/${VERIFY}/Verifications`, { To: to, Channel: 'sms' })).status).toBe(201);
    const code = stand.outbox.filter((m) => m.to === to).at(-1)!.code!;
    expect(code).toMatch(/^\d{6}$/);
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await api(`/v2/Services/${VERIFY}/VerificationCheck`, { To: to, Code: wrong })).body.status).toBe('pending');
    expect((await api(`/v2/Services/${VERIFY}/VerificationCheck`, { To: to, Code: code })).body.status).toBe('approved');

    await api(`/v2/Services/${VERIFY}/Verifications`, { To: to, Channel: 'sms' });
    for (let i = 0; i < 5; i++) await api(`/v2/Services/${VERIFY}/VerificationCheck`, { To: to, Code: wrong });
    const locked = await api(`/v2/Services/${VERIFY}/VerificationCheck`, { To: to, Code: stand.outbox.at(-1)!.code! });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe(60202);
  });
});
