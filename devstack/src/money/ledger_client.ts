// A typed client for the credit ledger's SQL functions (private schema, service role only), over one pg connection.
import pg from 'pg';

export interface LedgerRow {
  id: string;
  user_id: string;
  type: string;
  amount: number;
  reserved_delta: number;
  owed_delta: number;
  balance_after: number;
  reserved_after: number;
  owed_after: number;
  idempotency_key: string;
  call_id: string | null;
}

export type GrantKind = 'purchase' | 'subscription' | 'promo' | 'adjustment' | 'refund_clawback';

const MONEY_ERROR = /^([a-z][a-z_]*): /;

/** The stable code of a ledger refusal ("insufficient_credits", ...), or null for any other error. */
export function moneyErrorCode(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: string; message?: string };
  if (e.code !== 'P0001' || typeof e.message !== 'string') return null;
  return MONEY_ERROR.exec(e.message)?.[1] ?? null;
}

function toRow(r: Record<string, unknown>): LedgerRow {
  return {
    id: String(r.id),
    user_id: String(r.user_id),
    type: String(r.type),
    amount: Number(r.amount),
    reserved_delta: Number(r.reserved_delta),
    owed_delta: Number(r.owed_delta),
    balance_after: Number(r.balance_after),
    reserved_after: Number(r.reserved_after),
    owed_after: Number(r.owed_after),
    idempotency_key: String(r.idempotency_key),
    call_id: r.call_id === null ? null : String(r.call_id)
  };
}

export class LedgerClient {
  readonly #client: pg.Client;

  private constructor(client: pg.Client) {
    this.#client = client;
  }

  /** Connects and acts as service_role, so only what that role is granted is reachable. */
  static async connect(connectionString: string): Promise<LedgerClient> {
    const client = new pg.Client({ connectionString });
    await client.connect();
    await client.query('set role service_role');
    return new LedgerClient(client);
  }

  async #one(sql: string, params: unknown[]): Promise<LedgerRow> {
    const res = await this.#client.query(sql, params);
    return toRow(res.rows[0] as Record<string, unknown>);
  }

  reserve(userId: string, callId: string, amount: number, key: string): Promise<LedgerRow> {
    return this.#one('select * from private.reserve_call_credits($1, $2, $3, $4)', [userId, callId, amount, key]);
  }

  /** actualCostUsd is a decimal string (exact); markupPercent as in service_rates.markup_percent. */
  settle(callId: string, actualCostUsd: string, markupPercent: number, key: string, allowOverage = false): Promise<LedgerRow> {
    return this.#one('select * from private.settle_call($1, $2::numeric, $3::numeric, $4, $5)',
      [callId, actualCostUsd, markupPercent, key, allowOverage]);
  }

  release(callId: string, key: string): Promise<LedgerRow> {
    return this.#one('select * from private.release_call($1, $2)', [callId, key]);
  }

  grant(userId: string, amount: number, kind: GrantKind, key: string,
        stripe: { eventId?: string; objectId?: string } = {}): Promise<LedgerRow> {
    return this.#one('select * from private.grant_credits($1, $2, $3, $4, $5, $6)',
      [userId, amount, kind, key, stripe.eventId ?? null, stripe.objectId ?? null]);
  }

  query(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    return this.#client.query(sql, params);
  }

  close(): Promise<void> {
    return this.#client.end();
  }
}
