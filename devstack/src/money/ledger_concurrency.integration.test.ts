// Hammers the credit ledger from 32 connections at once: random reservations, settlements, releases, grants and
// clawbacks (with deliberate replays and races on the same call) across a handful of users. Afterwards the books
// must balance exactly, no balance may ever have gone below zero, and the capped user must be within budget.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stack } from '../testing/stack_env.ts';
import { LedgerClient, moneyErrorCode, type LedgerRow } from './ledger_client.ts';
import { seededRandom } from '../testing/seeded_random.ts';

const CLIENTS = 32;
const OPS_PER_CLIENT = 500;
const USERS = 5;
const CALLS_PER_USER = 2000;
const CAPPED_MONTHLY = 3000;
const PERSONA = 'a0000000-0000-4000-8000-000000000001';

/** Refusals the ledger is allowed to answer with; anything else (deadlock, check violation, ...) fails the test. */
const EXPECTED_REFUSALS = new Set([
  'insufficient_credits', 'budget_exceeded_monthly', 'budget_exceeded_per_call', 'call_already_settled',
  'call_already_released', 'call_not_reserved'
]);

interface UserState {
  id: string;
  capped: boolean;
  freshCalls: string[];
  reservedCalls: string[];
  /** Credits in minus credits out, from the rows the ledger returned (each row counted once). */
  net: number;
}

describe('credit ledger under concurrency', () => {
  const admin = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
  const users: UserState[] = [];
  const seed = Number(process.env.LEDGER_SEED ?? Date.now() % 1_000_000);

  beforeAll(async () => {
    for (let i = 0; i < USERS; i++) {
      const id = randomUUID();
      await admin.query(
        `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
         values ($1, 'authenticated', 'authenticated', $2, now(), '{"provider":"email"}', '{"timezone":"America/New_York"}')`,
        [id, `ledger-hammer-${id}@example.test`]
      );
      const capped = i === 0;
      await admin.query(
        'update public.user_budget_settings set max_cost_per_call_cents = 300, max_monthly_spend_cents = $2 where user_id = $1',
        [id, capped ? CAPPED_MONTHLY : 10_000_000]
      );
      const calls = await admin.query<{ id: string }>(
        `insert into public.calls (user_id, persona_id, mode, payment_method, max_duration_seconds)
         select $1, $2, 'browser', 'credits', 600 from generate_series(1, $3) returning id`,
        [id, PERSONA, CALLS_PER_USER]
      );
      users.push({ id, capped, freshCalls: calls.rows.map((r) => r.id), reservedCalls: [], net: 500 });
    }
  });

  afterAll(async () => {
    if (users.length) await admin.query('delete from auth.users where id = any($1::uuid[])', [users.map((u) => u.id)]);
    await admin.end();
  });

  it(`keeps every invariant with ${CLIENTS} clients x ${OPS_PER_CLIENT} random operations (seed ${seed})`, async () => {
    const rand = seededRandom(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const seenRows = new Set<string>();
    const outcomes = new Map<string, number>();
    const unexpected: string[] = [];
    const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);

    const account = (user: UserState, row: LedgerRow) => {
      if (seenRows.has(row.id)) return; // an idempotent replay returned a row already counted
      seenRows.add(row.id);
      if (row.type === 'settlement') user.net -= -(row.amount + row.reserved_delta) + row.owed_delta;
      else if (row.type === 'refund') user.net -= -row.amount + row.owed_delta;
      else if (row.type !== 'reservation') user.net += row.amount - row.owed_delta;
    };

    const worker = async (client: LedgerClient) => {
      for (let n = 0; n < OPS_PER_CLIENT; n++) {
        const user = pick(users);
        const r = rand();
        let op = 'grant';
        try {
          if (r < 0.4 && user.freshCalls.length) {
            op = 'reserve';
            const call = user.freshCalls.pop()!;
            const amount = 1 + Math.floor(rand() * 300);
            const row = await client.reserve(user.id, call, amount, `reserve:${call}`);
            expect(row.amount).toBe(-amount);
            account(user, row);
            user.reservedCalls.push(call);
            if (rand() < 0.1) {
              const again = await client.reserve(user.id, call, amount, `reserve:${call}`);
              expect(again.id).toBe(row.id);
              count('reserve replay');
            }
          } else if (r < 0.75 && user.reservedCalls.length) {
            // Usually take the call off the list; sometimes leave it so another client races on the same call.
            const i = Math.floor(rand() * user.reservedCalls.length);
            const call = user.reservedCalls[i]!;
            if (rand() < 0.85) user.reservedCalls.splice(i, 1);
            if (rand() < 0.7) {
              op = 'settle';
              const cost = (Math.floor(rand() * 40000) / 10000).toFixed(4); // $0.0000 - $3.9999
              const overage = !user.capped && rand() < 0.2;
              const row = await client.settle(call, cost, 30, `settle:${call}`, overage);
              account(user, row);
            } else {
              op = 'release';
              account(user, await client.release(call, `release:${call}`));
            }
          } else {
            const kind = rand() < 0.15 ? 'refund_clawback' : pick(['purchase', 'subscription', 'adjustment'] as const);
            op = kind;
            const amount = 1 + Math.floor(rand() * (kind === 'refund_clawback' ? 800 : 400));
            const key = `grant:${randomUUID()}`;
            const row = await client.grant(user.id, amount, kind, key);
            account(user, row);
            if (rand() < 0.1) {
              expect((await client.grant(user.id, amount, kind, key)).id).toBe(row.id);
              count('grant replay');
            }
          }
          count(`${op} ok`);
        } catch (err) {
          const code = moneyErrorCode(err);
          if (code && EXPECTED_REFUSALS.has(code)) count(`${op} refused: ${code}`);
          else unexpected.push(`${op}: ${(err as Error).message} (${(err as { code?: string }).code ?? ''})`);
        }
      }
    };

    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => LedgerClient.connect(stack.dbUrl)));
    try {
      await Promise.all(clients.map(worker));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }

    console.log(`ledger hammer seed ${seed}:`, Object.fromEntries([...outcomes].sort()));
    expect(unexpected).toEqual([]);
    // The mix really exercised the paths that matter.
    for (const k of ['reserve ok', 'settle ok', 'release ok', 'refund_clawback ok', 'reserve refused: budget_exceeded_monthly']) {
      expect(outcomes.get(k) ?? 0, k).toBeGreaterThan(0);
    }

    const ids = users.map((u) => u.id);
    const violations = await admin.query('select * from private.ledger_violations() where user_id = any($1::uuid[])', [ids]);
    expect(violations.rows).toEqual([]);

    const neg = await admin.query(
      `select count(*)::int as n from public.credit_transactions
       where user_id = any($1::uuid[]) and (balance_after < 0 or reserved_after < 0 or owed_after < 0)`,
      [ids]
    );
    expect(neg.rows[0].n).toBe(0);

    for (const u of users) {
      const b = await admin.query<{ available: string; reserved: string; owed: string }>(
        'select available_credits as available, reserved_credits as reserved, owed_credits as owed from public.user_credits where user_id = $1',
        [u.id]
      );
      const { available, reserved, owed } = b.rows[0]!;
      // Everything that came in minus everything that went out is exactly what the user holds now.
      expect(Number(available) + Number(reserved) - Number(owed)).toBe(u.net);
    }

    const capped = users.find((u) => u.capped)!;
    const spend = await admin.query<{ total: string }>(
      `select (s.spent_cents + s.reserved_cents)::text as total
       from private.budget_month('America/New_York') m, private.month_spend($1, m.month_start, m.month_end) s`,
      [capped.id]
    );
    expect(Number(spend.rows[0]!.total)).toBeLessThanOrEqual(CAPPED_MONTHLY);
  }, 300_000);

  it('admits exactly as many concurrent reservations as the balance covers, and one reservation per call', async () => {
    const id = randomUUID();
    await admin.query(
      `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
       values ($1, 'authenticated', 'authenticated', $2, now(), '{"provider":"email"}', '{}')`, [id, `ledger-race-${id}@example.test`]);
    users.push({ id, capped: false, freshCalls: [], reservedCalls: [], net: 500 });
    const calls = (await admin.query<{ id: string }>(
      `insert into public.calls (user_id, persona_id, mode, payment_method, max_duration_seconds)
       select $1, $2, 'browser', 'credits', 600 from generate_series(1, 50) returning id`, [id, PERSONA])).rows.map((r) => r.id);
    const clients = await Promise.all(Array.from({ length: 25 }, () => LedgerClient.connect(stack.dbUrl)));
    try {
      // 500 credits, 50 calls of 50 each at once: exactly 10 fit.
      const results = await Promise.allSettled(calls.map((c, i) => clients[i % clients.length]!.reserve(id, c, 50, `reserve:${c}`)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      const refusals = results.flatMap((r) => (r.status === 'rejected' ? [moneyErrorCode(r.reason)] : []));
      expect(new Set(refusals)).toEqual(new Set(['insufficient_credits']));

      // The same reservation sent 25 times at once: one ledger row, every caller gets it.
      const winner = calls[results.findIndex((r) => r.status === 'fulfilled')]!;
      await clients[0]!.release(winner, `release:${winner}`);
      const fresh = calls[results.findIndex((r) => r.status === 'rejected')]!;
      const twins = await Promise.all(clients.map((c) => c.reserve(id, fresh, 40, `reserve:${fresh}`)));
      expect(new Set(twins.map((t) => t.id)).size).toBe(1);

      // The same call settled and released at once: exactly one wins.
      const race = await Promise.allSettled([
        clients[1]!.settle(fresh, '0.10', 0, `settle:${fresh}`),
        clients[2]!.release(fresh, `release:${fresh}`)
      ]);
      expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const loser = race.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(['call_already_settled', 'call_already_released']).toContain(moneyErrorCode(loser.reason));

      // A monthly cap of 100 and two reservations of 60 at once: one is refused.
      await clients[0]!.grant(id, 1000, 'purchase', `race-topup:${id}`);
      await admin.query('update public.user_budget_settings set max_cost_per_call_cents = 60, max_monthly_spend_cents = 100 where user_id = $1', [id]);
      const [a, b] = calls.filter((c) => c !== winner && c !== fresh && results[calls.indexOf(c)]!.status === 'rejected');
      // Earlier calls belong to an earlier month, so only these two count against this month's cap.
      await admin.query(`update public.calls set created_at = now() - interval '3 months' where user_id = $1 and id <> all($2::uuid[])`, [id, [a, b]]);
      const capped = await Promise.allSettled([clients[3]!.reserve(id, a!, 60, `reserve:${a}`), clients[4]!.reserve(id, b!, 60, `reserve:${b}`)]);
      expect(capped.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(moneyErrorCode((capped.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toBe('budget_exceeded_monthly');

      expect((await admin.query('select * from private.ledger_violations($1)', [id])).rows).toEqual([]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  }, 60_000);
});
