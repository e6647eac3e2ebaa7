// billing-manage refuses what it cannot do before touching the database or Stripe (the flows themselves run against
// devstack in devstack/src/money/billing_self_service.integration.test.ts).
import { assert, assertEquals } from '../_shared/assert.ts';
import { liveSession, untouchable, untouchableDb } from '../_shared/fakes.ts';
import { handleBillingManage, type ManageStripe } from './handler.ts';

function setup() {
  const s = liveSession();
  const db = untouchableDb();
  const deps = { session: s.deps, db, stripe: untouchable<ManageStripe>('stripe'), log: () => undefined };
  const send = (body: string, authorization: string | null = s.authorization, method = 'POST') => handleBillingManage(
    new Request('http://functions/billing-manage', { method, body: method === 'POST' ? body : undefined, headers: authorization ? { authorization } : {} }), deps);
  return { db, send };
}

Deno.test('unknown actions, unknown plans and malformed bodies are refused with a code and a sentence, touching nothing', async () => {
  const { db, send } = setup();
  const cases: [string, number, string][] = [
    ['{}', 400, 'invalid_input'],
    ['{"action":"refund_everything"}', 400, 'invalid_input'],
    ['{"action":7}', 400, 'invalid_input'],
    ['not json', 400, 'invalid_input'],
    ['{"action":"change_plan"}', 400, 'unknown_plan'],
    ['{"action":"change_plan","plan":"platinum"}', 400, 'unknown_plan']
  ];
  for (const [body, status, code] of cases) {
    const res = await send(body);
    assertEquals(res.status, status, body);
    const err = (await res.json()).error;
    assertEquals(err.code, code, body);
    assert(err.message.length > 20, 'a sentence a person can act on');
  }
  assertEquals(db.queries, []);
});

Deno.test('without a live session, or with another method, nothing happens', async () => {
  const { db, send } = setup();
  assertEquals((await send('{"action":"remove_card"}', null)).status, 401);
  assertEquals((await send('', undefined, 'GET')).status, 400);
  assertEquals(db.queries, []);
});
