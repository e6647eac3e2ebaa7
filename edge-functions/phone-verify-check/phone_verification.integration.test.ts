// Phone verification end to end at the handler level: real Postgres (RLS-protected tables written by the service),
// the Twilio stand-in's Verify API and its outbox.
import assert from 'node:assert/strict';
import { createUser, sessionFor, stackEnv, testPool } from '../_shared/testing.ts';
import { twilioClient } from '../_shared/twilio_client.ts';
import { handleVerifyStart } from '../phone-verify-start/handler.ts';
import { handleVerifyCheck } from './handler.ts';

const db = testPool();
const twilio = twilioClient({
  accountSid: stackEnv('TWILIO_ACCOUNT_SID'),
  authToken: stackEnv('TWILIO_AUTH_TOKEN'),
  verifyServiceSid: stackEnv('TWILIO_VERIFY_SERVICE_SID'),
  apiBase: stackEnv('TWILIO_API_BASE'),
  verifyBase: stackEnv('TWILIO_API_BASE')
});

// A fresh address per run: send limits per address count across runs on a long-lived development database.
const RUN_IP = `198.18.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}`;

function post(body: unknown, authorization: string, ip = RUN_IP): Request {
  return new Request('http://functions/phone', { method: 'POST', body: JSON.stringify(body), headers: { authorization, 'x-forwarded-for': ip } });
}

async function latestCode(phone: string): Promise<string> {
  const res = await fetch(`${stackEnv('TWILIO_API_BASE')}/devstack/outbox?to=${encodeURIComponent(phone)}`);
  const msgs = (await res.json()) as { code?: string }[];
  return msgs.at(-1)!.code!;
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

function randomUsNumber(): string {
  return `+1415555${String(1000 + Math.floor(Math.random() * 8999))}`;
}

Deno.test({ name: 'a user verifies a number with the code from the outbox, and only then owns it', sanitizeResources: false, sanitizeOps: false, fn: async () => {
  const user = await createUser(db, 'verify');
  const s = sessionFor(user.id);
  const phone = randomUsNumber();
  const start = await handleVerifyStart(post({ phone_number: phone.replace('+1', '+1 ') }, s.authorization), { session: s.deps, db, twilio });
  assert.equal(start.status, 200);
  assert.equal((await start.json()).phone_number, phone);
  assert.equal((await db.query('select 1 from public.user_phone_numbers where user_id = $1', [user.id])).rowCount, 0);

  const wrong = await handleVerifyCheck(post({ phone_number: phone, code: '000000' === (await latestCode(phone)) ? '111111' : '000000' }, s.authorization), { session: s.deps, db, twilio });
  assert.equal(wrong.status, 400);
  assert.equal(await errorCode(wrong), 'otp_invalid');

  const ok = await handleVerifyCheck(post({ phone_number: phone, code: await latestCode(phone) }, s.authorization), { session: s.deps, db, twilio });
  assert.equal(ok.status, 200);
  const body = await ok.json();
  assert.equal(body.verified, true);
  const owned = await db.query('select phone_number, country_code from public.user_phone_numbers where id = $1 and user_id = $2', [body.phone_number_id, user.id]);
  assert.deepEqual(owned.rows[0], { phone_number: phone, country_code: 'US' });
}});

Deno.test({ name: 'toll-fraud and malformed numbers are refused with a clear code and nothing is sent', sanitizeResources: false, sanitizeOps: false, fn: async () => {
  const user = await createUser(db, 'fraud');
  const s = sessionFor(user.id);
  const cases: [string, string][] = [
    ['+19005551234', 'phone_type_not_allowed'], // US premium rate
    ['+448712345678', 'phone_type_not_allowed'], // UK shared cost
    ['+2348031234567', 'phone_country_not_allowed'],
    ['CALL-ME-NOW', 'phone_invalid'],
    ['+1415555123412341234123412341234', 'phone_invalid'],
    ['', 'phone_invalid']
  ];
  for (const [input, code] of cases) {
    const res = await handleVerifyStart(post({ phone_number: input }, s.authorization), { session: s.deps, db, twilio });
    assert.equal(await errorCode(res), code, input);
  }
  assert.equal((await db.query('select 1 from public.phone_verifications where user_id = $1', [user.id])).rowCount, 0);
}});

Deno.test({ name: 'five wrong codes lock the challenge; the right code is then refused too', sanitizeResources: false, sanitizeOps: false, fn: async () => {
  const user = await createUser(db, 'guess');
  const s = sessionFor(user.id);
  const phone = randomUsNumber();
  await handleVerifyStart(post({ phone_number: phone }, s.authorization), { session: s.deps, db, twilio });
  const right = await latestCode(phone);
  const wrong = right === '123456' ? '654321' : '123456';
  const codes: string[] = [];
  for (let i = 0; i < 5; i++) {
    codes.push(await errorCode(await handleVerifyCheck(post({ phone_number: phone, code: wrong }, s.authorization), { session: s.deps, db, twilio })));
  }
  assert.deepEqual(codes.slice(0, 4), ['otp_invalid', 'otp_invalid', 'otp_invalid', 'otp_invalid']);
  assert.equal(codes[4], 'rate_limited');
  const late = await handleVerifyCheck(post({ phone_number: phone, code: right }, s.authorization), { session: s.deps, db, twilio });
  assert.equal(await errorCode(late), 'rate_limited');
  assert.equal((await db.query('select 1 from public.user_phone_numbers where user_id = $1', [user.id])).rowCount, 0);
}});

Deno.test({ name: 'send limits fit normal use: a few numbers per account, resends to one number back off, and each refusal says when it lifts', sanitizeResources: false, sanitizeOps: false, fn: async () => {
  const user = await createUser(db, 'limits');
  await db.query(`update public.users set timezone = 'UTC' where id = $1`, [user.id]);
  const s = sessionFor(user.id);
  // Each request from its own address: the limits per account and per number are under test, not the address's.
  const send = (phone: string, _i: number, who = s) =>
    handleVerifyStart(post({ phone_number: phone }, who.authorization, `198.19.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}`), { session: who.deps, db, twilio });

  // Six numbers tried by one account in the hour (mistyped ones, a second phone): every code is sent.
  const numbers = Array.from({ length: 6 }, randomUsNumber);
  const statuses: number[] = [];
  for (const [i, n] of numbers.entries()) statuses.push((await send(n, i)).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200]);

  // The first resend to a number goes at once; the next right away waits 30 s, and says until when (header and
  // sentence).
  const phone = numbers[0]!;
  assert.equal((await send(phone, 7)).status, 200);
  const early = await send(phone, 8);
  assert.equal(early.status, 429);
  const retryAfter = Number(early.headers.get('retry-after'));
  assert.ok(retryAfter >= 25 && retryAfter <= 30, `Retry-After ${retryAfter}`);
  const body = (await early.json()) as { error: { code: string; message: string; retry_at: string } };
  assert.equal(body.error.code, 'rate_limited');
  assert.match(body.error.message, /^A code was just sent to this number: check your messages, or ask for a new one shortly\. Try again at \d\d:\d\d UTC \(in \d+ seconds\)\.$/);
  const unchanged = await db.query('select count(*)::int as n from public.phone_verifications where phone_number = $1', [phone]);
  assert.equal(unchanged.rows[0]!.n, 2, 'a refusal sends and stores nothing');

  // Past the wait it goes through; five codes to one number in the hour is the most, whoever asks.
  const age = () => db.query(`update public.phone_verifications set created_at = created_at - interval '6 minutes' where phone_number = $1`, [phone]);
  for (let i = 0; i < 3; i++) {
    await age();
    assert.equal((await send(phone, 10 + i)).status, 200, `resend ${i + 1}`);
  }
  await age();
  const other = sessionFor((await createUser(db, 'limits2')).id);
  const capped = await send(phone, 20, other);
  assert.equal(capped.status, 429);
  assert.match(((await capped.json()) as { error: { message: string } }).error.message, /^This number has been sent 5 codes in the last hour\. Try again at /);
}});

Deno.test({ name: 'an expired code says so and asks for a new one', sanitizeResources: false, sanitizeOps: false, fn: async () => {
  const user = await createUser(db, 'expired');
  const s = sessionFor(user.id);
  const phone = randomUsNumber();
  await handleVerifyStart(post({ phone_number: phone }, s.authorization), { session: s.deps, db, twilio });
  await db.query(`update public.phone_verifications set created_at = now() - interval '20 minutes', expires_at = now() - interval '10 minutes' where user_id = $1`, [user.id]);
  const res = await handleVerifyCheck(post({ phone_number: phone, code: await latestCode(phone) }, s.authorization), { session: s.deps, db, twilio });
  assert.equal(await errorCode(res), 'otp_expired');
}});

Deno.test({ name: 'close the pool', sanitizeResources: false, sanitizeOps: false, fn: async () => { await db.end(); } });
