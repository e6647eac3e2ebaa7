// Twilio stand-in: the REST surface the product uses (Calls create/fetch/update, Verify v2, Messages), what a
// preflight reads (the account, its Verify service, its numbers, its TwiML App; an API key authenticates like the
// auth token) plus a small /devstack API for tests (outbox of sent codes, callee scripts, call logs). Responses and
// error bodies have Twilio's shapes; everything sent to a "phone" lands in the outbox and the log, never on a real
// network.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomInt, timingSafeEqual } from 'node:crypto';
import { readBody } from '../../gateway/http.ts';
import { rememberCalleeLines } from '../callee_vocabulary.ts';
import { Carrier, type CallRecord } from './carrier.ts';
import type { CalleeScript } from './callee.ts';
import { sid } from './sids.ts';

export interface TwilioStandInOptions {
  port: number;
  accountSid: string;
  authToken: string;
  verifyServiceSid: string;
  log: (line: string) => void;
  ringMs?: number;
  /** The account's phone numbers (IncomingPhoneNumbers). */
  phoneNumbers?: string[];
  /** An API key of the account: Basic auth with its SID and secret works like the account's auth token. */
  apiKey?: { sid: string; secret: string };
  /** The account's TwiML App (browser calls). */
  twimlApp?: { sid: string; voiceUrl: string; statusCallback: string };
}

export interface OutboxMessage {
  to: string;
  body: string;
  channel: 'sms' | 'call';
  code?: string;
  at: string;
}

interface Verification {
  sid: string;
  to: string;
  code: string;
  expiresAt: number;
  attempts: number;
  status: 'pending' | 'approved' | 'canceled' | 'max_attempts_reached' | 'expired';
}

const E164 = /^\+[1-9]\d{6,14}$/;
const VERIFY_TTL_MS = 10 * 60 * 1000;
const VERIFY_MAX_CHECKS = 5;

function twilioError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function callJson(c: CallRecord) {
  return {
    sid: c.sid, account_sid: c.accountSid, to: c.to, from: c.from, status: c.status, direction: 'outbound-api',
    api_version: '2010-04-01', answered_by: c.answeredBy ?? null, date_created: c.dateCreated.toUTCString(),
    start_time: c.startTime?.toUTCString() ?? null, end_time: c.endTime?.toUTCString() ?? null,
    duration: c.duration === undefined ? null : String(c.duration), price: null, price_unit: 'USD',
    uri: `/2010-04-01/Accounts/${c.accountSid}/Calls/${c.sid}.json`
  };
}

export function startTwilioStandIn(opts: TwilioStandInOptions): Promise<{ url: string; server: Server; carrier: Carrier; outbox: OutboxMessage[]; close: () => Promise<void> }> {
  const outbox: OutboxMessage[] = [];
  const scripts = new Map<string, CalleeScript>();
  const verifications = new Map<string, Verification>();
  const carrier = new Carrier({ authToken: opts.authToken, log: opts.log, scriptFor: (to) => scripts.get(to), ringMs: opts.ringMs ?? 300 });
  const basic = (user: string, password: string) => Buffer.from(`Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
  const accepted = [basic(opts.accountSid, opts.authToken), ...(opts.apiKey ? [basic(opts.apiKey.sid, opts.apiKey.secret)] : [])];

  const authorised = (req: IncomingMessage) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return accepted.some((a) => got.length === a.length && timingSafeEqual(got, a));
  };
  const created = new Date().toUTCString();
  const accountUri = `/2010-04-01/Accounts/${opts.accountSid}`;
  const numbers = (opts.phoneNumbers ?? []).map((n) => ({
    sid: sid('PN'), account_sid: opts.accountSid, phone_number: n, friendly_name: n, status: 'in-use', api_version: '2010-04-01',
    capabilities: { voice: true, sms: true, mms: false, fax: false }, date_created: created, date_updated: created,
    uri: `${accountUri}/IncomingPhoneNumbers/${n}.json`
  }));

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://twilio.local');
    const path = url.pathname;
    if (path.startsWith('/devstack/')) return devstackRoute(req, res, url);
    if (!authorised(req)) return twilioError(res, 401, 20003, 'Authentication Error - invalid username');
    const form = req.method === 'POST' ? new URLSearchParams((await readBody(req, 64 * 1024)).toString()) : new URLSearchParams();

    const calls = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls(?:\/([^/.]+))?\.json$/.exec(path);
    if (calls) {
      if (calls[1] !== opts.accountSid) return twilioError(res, 404, 20404, 'The requested resource was not found');
      const callSid = calls[2];
      if (!callSid && req.method === 'POST') return createCall(form, res);
      const call = callSid ? carrier.calls.get(callSid) : undefined;
      if (!call) return twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
      if (req.method === 'GET') return json(res, 200, callJson(call));
      const status = form.get('Status');
      const twiml = form.get('Twiml');
      if (twiml !== null) {
        try {
          carrier.redirect(call.sid, twiml);
        } catch (err) {
          return twilioError(res, 400, 12100, `Document parse failure: ${(err as Error).message}`);
        }
        return json(res, 200, callJson(call));
      }
      if (status === 'completed' || status === 'canceled') carrier.hangup(call.sid, `rest_update_${status}`);
      else if (status) return twilioError(res, 400, 21218, `Invalid Status: ${status}`);
      return json(res, 200, callJson(call));
    }

    if (path === `${accountUri}.json` && req.method === 'GET') {
      return json(res, 200, {
        sid: opts.accountSid, owner_account_sid: opts.accountSid, friendly_name: 'devstack', status: 'active', type: 'Full',
        date_created: created, date_updated: created, uri: `${accountUri}.json`
      });
    }
    const accountPath = /^\/2010-04-01\/Accounts\/([^/.]+)(?:\.json|\/)/.exec(path);
    if (accountPath && accountPath[1] !== opts.accountSid) return twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
    if (path === `${accountUri}/IncomingPhoneNumbers.json` && req.method === 'GET') {
      const wanted = url.searchParams.get('PhoneNumber');
      const list = numbers.filter((n) => !wanted || n.phone_number === wanted.trim());
      const page = `${accountUri}/IncomingPhoneNumbers.json?PageSize=50&Page=0`;
      return json(res, 200, {
        incoming_phone_numbers: list, page: 0, page_size: 50, start: 0, end: Math.max(list.length - 1, 0),
        first_page_uri: page, next_page_uri: null, previous_page_uri: null, uri: page
      });
    }
    const app = new RegExp(`^${accountUri}/Applications/([^/.]+)\\.json$`).exec(path);
    if (app && req.method === 'GET') {
      const a = opts.twimlApp;
      if (!a || a.sid !== app[1]) return twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
      return json(res, 200, {
        sid: a.sid, account_sid: opts.accountSid, friendly_name: 'devstack browser calls', api_version: '2010-04-01',
        voice_url: a.voiceUrl, voice_method: 'POST', voice_fallback_url: null, status_callback: a.statusCallback, status_callback_method: 'POST',
        date_created: created, date_updated: created, uri: `${accountUri}/Applications/${a.sid}.json`
      });
    }
    const service = /^\/v2\/Services\/([^/]+)$/.exec(path);
    if (service && req.method === 'GET') {
      if (service[1] !== opts.verifyServiceSid) return twilioError(res, 404, 20404, 'The requested resource was not found');
      return json(res, 200, {
        sid: opts.verifyServiceSid, account_sid: opts.accountSid, friendly_name: 'Call Me Back', code_length: 6,
        date_created: created, date_updated: created, url: `https://verify.twilio.com/v2/Services/${opts.verifyServiceSid}`
      });
    }

    const verify = /^\/v2\/Services\/([^/]+)\/(Verifications|VerificationCheck)$/.exec(path);
    if (verify && req.method === 'POST') {
      if (verify[1] !== opts.verifyServiceSid) return twilioError(res, 404, 20404, 'The requested resource was not found');
      const to = form.get('To') ?? '';
      if (!E164.test(to)) return twilioError(res, 400, 60200, 'Invalid parameter `To`');
      return verify[2] === 'Verifications' ? startVerification(to, form.get('Channel') ?? 'sms', res) : checkVerification(to, form.get('Code') ?? '', res);
    }

    const messages = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (messages && req.method === 'POST') {
      const to = form.get('To') ?? '';
      if (!E164.test(to)) return twilioError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      const body = form.get('Body') ?? '';
      outbox.push({ to, body, channel: 'sms', at: new Date().toISOString() });
      opts.log(`twilio stand-in: SMS to ${to} kept in the devstack outbox (not sent): ${body}`);
      return json(res, 201, { sid: sid('SM'), to, from: form.get('From'), body, status: 'queued' });
    }
    twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
  };

  const createCall = (form: URLSearchParams, res: ServerResponse) => {
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? '';
    const url = form.get('Url') ?? '';
    if (!E164.test(to)) return twilioError(res, 400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (!E164.test(from)) return twilioError(res, 400, 21212, `Invalid 'From' Phone Number: ${from}`);
    if (!/^https?:\/\//.test(url)) return twilioError(res, 400, 21205, 'Url parameter is required and must be an absolute URL');
    const timeout = Number(form.get('Timeout') ?? 60);
    const timeLimit = Number(form.get('TimeLimit') ?? 14400);
    if (!Number.isInteger(timeout) || timeout < 5 || timeout > 600) return twilioError(res, 400, 21216, 'Timeout must be between 5 and 600 seconds');
    if (!Number.isInteger(timeLimit) || timeLimit < 1 || timeLimit > 86400) return twilioError(res, 400, 21217, 'TimeLimit must be between 1 and 86400 seconds');
    const call: CallRecord = {
      sid: sid('CA'), accountSid: opts.accountSid, to, from, url, method: form.get('Method') ?? 'POST', status: 'queued',
      statusCallback: form.get('StatusCallback') ?? undefined,
      statusCallbackEvents: form.getAll('StatusCallbackEvent').flatMap((e) => e.split(' ')).filter(Boolean),
      timeoutSec: timeout, timeLimitSec: timeLimit,
      machineDetection: form.get('MachineDetection') ?? undefined,
      asyncAmd: form.get('AsyncAmd') === 'true',
      asyncAmdStatusCallback: form.get('AsyncAmdStatusCallback') ?? undefined,
      dateCreated: new Date(), sequence: 0, log: []
    };
    if (call.statusCallbackEvents.length === 0 && call.statusCallback) call.statusCallbackEvents = ['completed'];
    opts.log(`twilio stand-in: simulated call ${call.sid} to ${to} (no real phone is called)`);
    carrier.place(call);
    json(res, 201, callJson(call));
  };

  const startVerification = (to: string, channel: string, res: ServerResponse) => {
    if (channel !== 'sms' && channel !== 'call') return twilioError(res, 400, 60200, 'Invalid parameter `Channel`');
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const v: Verification = { sid: sid('VE'), to, code, expiresAt: Date.now() + VERIFY_TTL_MS, attempts: 0, status: 'pending' };
    verifications.set(to, v);
    outbox.push({ to, body: `Your Call Me Back verification code is: ${code}`, channel, code, at: new Date().toISOString() });
    opts.log(`twilio stand-in: verification code for ${to} kept in the devstack outbox (not sent): ${code}`);
    json(res, 201, { sid: v.sid, service_sid: opts.verifyServiceSid, to, channel, status: 'pending', valid: false });
  };

  const checkVerification = (to: string, code: string, res: ServerResponse) => {
    const v = verifications.get(to);
    if (!v || v.status !== 'pending') return twilioError(res, 404, 20404, 'The requested resource was not found');
    if (Date.now() > v.expiresAt) {
      v.status = 'expired';
      return twilioError(res, 404, 20404, 'The requested resource was not found');
    }
    v.attempts++;
    if (v.attempts > VERIFY_MAX_CHECKS) {
      v.status = 'max_attempts_reached';
      return twilioError(res, 429, 60202, 'Max check attempts reached');
    }
    if (code === v.code) v.status = 'approved';
    json(res, 200, { sid: v.sid, to, status: v.status, valid: v.status === 'approved' });
  };

  const devstackRoute = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname === '/devstack/outbox' && req.method === 'GET') {
      const to = url.searchParams.get('to');
      return json(res, 200, outbox.filter((m) => !to || m.to === to));
    }
    const script = /^\/devstack\/scripts\/(\+\d+)$/.exec(decodeURIComponent(url.pathname));
    if (script && req.method === 'PUT') {
      const body = JSON.parse((await readBody(req, 64 * 1024)).toString()) as CalleeScript;
      if (!Array.isArray(body.lines)) return json(res, 400, { message: 'lines must be an array' });
      scripts.set(script[1]!, body);
      rememberCalleeLines(body.lines.map((l) => (l as { text?: unknown } | null)?.text));
      return json(res, 200, { ok: true });
    }
    const log = /^\/devstack\/calls\/([^/]+)$/.exec(url.pathname);
    if (log && req.method === 'GET') {
      const call = carrier.calls.get(log[1]!);
      return call ? json(res, 200, { ...callJson(call), log: call.log }) : json(res, 404, { message: 'unknown call' });
    }
    json(res, 404, { message: 'unknown devstack route' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      opts.log(`twilio stand-in: ${req.method} ${req.url}: ${err.message}`);
      if (!res.headersSent) twilioError(res, 400, 20001, 'The request could not be processed.');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : opts.port;
      resolve({
        url: `http://127.0.0.1:${port}`, server, carrier, outbox,
        close: () => new Promise<void>((r) => { carrier.close(); server.close(() => r()); server.closeAllConnections(); })
      });
    });
  });
}
