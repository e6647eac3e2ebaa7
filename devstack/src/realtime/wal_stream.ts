// Change capture: a temporary logical replication slot decoded by wal2json (format 2), streamed over the
// replication protocol so committed changes arrive as soon as their WAL is flushed. The slot is temporary, so it
// disappears with this process and never pins WAL.
import pg from 'pg';

export interface WalColumn {
  name: string;
  type: string;
  typeoid?: number;
  value: unknown;
}

export interface WalChange {
  action: 'I' | 'U' | 'D';
  schema: string;
  table: string;
  columns?: WalColumn[];
  identity?: WalColumn[];
  pk?: { name: string; type: string; typeoid?: number }[];
}

export interface WalTransaction {
  /** Commit time as wal2json prints it (`2026-01-01 12:00:00.123456+00`). */
  timestamp: string | null;
  changes: WalChange[];
}

// Microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01).
const PG_EPOCH_OFFSET_US = 946_684_800_000_000n;

function pgNowMicros(): bigint {
  return BigInt(Date.now()) * 1000n - PG_EPOCH_OFFSET_US;
}

export function parseLsn(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

/** Accumulates wal2json format-2 lines into whole transactions. */
export class TransactionAssembler {
  private current: WalTransaction | null = null;

  /** Feeds one decoded message; returns a finished transaction on its commit line. */
  push(line: Record<string, unknown>): WalTransaction | null {
    const action = line.action;
    if (action === 'B') {
      this.current = { timestamp: typeof line.timestamp === 'string' ? line.timestamp : null, changes: [] };
      return null;
    }
    if (action === 'C') {
      const done = this.current ?? { timestamp: null, changes: [] };
      if (typeof line.timestamp === 'string') done.timestamp = line.timestamp;
      this.current = null;
      return done;
    }
    if (action === 'I' || action === 'U' || action === 'D') {
      const change = line as unknown as WalChange;
      if (this.current) this.current.changes.push(change);
      else return { timestamp: null, changes: [change] };
    }
    return null;
  }
}

export interface WalStreamOptions {
  connectionString: string;
  slotName: string;
  onTransaction: (tx: WalTransaction) => void;
  /** Whether anyone listens at all; when not, changes are skipped without being decoded. */
  active: () => boolean;
  /** Whether changes of this table could interest anyone; others are not kept (big transactions stay cheap). */
  wants: (schema: string, table: string) => boolean;
  /** Called once when the stream ends for any reason other than close(). */
  onEnd: (err: Error | null) => void;
  log: (line: string) => void;
}

export class WalStream {
  private client: pg.Client | null = null;
  private connection: { sendCopyFromChunk: (b: Buffer) => void } | null = null;
  private lastLsn = 0n;
  private statusTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly assembler = new TransactionAssembler();
  private readonly opts: WalStreamOptions;
  ready = false;

  constructor(opts: WalStreamOptions) {
    this.opts = opts;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.connectionString, replication: 'database' } as pg.ClientConfig);
    this.client = client;
    let ended = false;
    const end = (err: Error | null) => {
      if (ended || this.closed) return;
      ended = true;
      this.ready = false;
      if (this.statusTimer) clearInterval(this.statusTimer);
      void client.end().catch(() => undefined);
      this.opts.onEnd(err);
    };
    client.on('error', (err) => end(err));
    client.on('end', () => end(null));
    await client.connect();
    const slot = this.opts.slotName;
    const created = await client.query(`CREATE_REPLICATION_SLOT "${slot}" TEMPORARY LOGICAL wal2json`);
    const startLsn = String((created.rows[0] as Record<string, unknown>)?.consistent_point ?? '0/0');
    this.lastLsn = parseLsn(startLsn);
    const options = [
      `"format-version" '2'`,
      `"include-timestamp" '1'`,
      `"include-type-oids" '1'`,
      `"include-pk" '1'`,
      `"actions" 'insert,update,delete'`,
      `"filter-msg-prefixes" 'devstack_realtime_flush'`
    ].join(', ');
    const sql = `START_REPLICATION SLOT "${slot}" LOGICAL ${startLsn} (${options})`;
    const self = this;
    const submittable = {
      submit(connection: { query: (text: string) => void; sendCopyFromChunk: (b: Buffer) => void }) {
        self.connection = connection;
        connection.query(sql);
      },
      handleCopyData(msg: { chunk: Buffer }) {
        self.onCopyData(msg.chunk);
      },
      handleError(err: Error) {
        end(err);
      },
      handleReadyForQuery() {
        end(null);
      },
      handleCommandComplete() {},
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handleCopyInResponse() {},
      handlePortalSuspended() {}
    };
    void client.query(submittable as unknown as pg.QueryConfig);
    this.statusTimer = setInterval(() => this.sendStatus(false), 10_000);
    this.statusTimer.unref();
    this.ready = true;
  }

  private onCopyData(chunk: Buffer): void {
    const tag = chunk[0];
    if (tag === 0x77 /* w: XLogData */) {
      const walStart = chunk.readBigUInt64BE(1);
      if (walStart > this.lastLsn) this.lastLsn = walStart;
      // Nobody listens: skip decoding, but keep transaction boundaries intact.
      // wal2json format 2 starts every line with {"action":"X"; only B and C matter to an idle stream.
      const action = chunk[25 + 11];
      if (!this.opts.active() && action !== 0x42 && action !== 0x43) return;
      const text = chunk.subarray(25).toString('utf8');
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        this.opts.log(`realtime: undecodable change skipped: ${text.slice(0, 200)}`);
        return;
      }
      if (line.action !== 'B' && line.action !== 'C' && !this.opts.wants(String(line.schema), String(line.table))) return;
      const tx = this.assembler.push(line);
      if (tx && tx.changes.length > 0) {
        try {
          this.opts.onTransaction(tx);
        } catch (err) {
          this.opts.log(`realtime: change dispatch failed: ${(err as Error).stack ?? err}`);
        }
      }
    } else if (tag === 0x6b /* k: keepalive */) {
      const walEnd = chunk.readBigUInt64BE(1);
      if (walEnd > this.lastLsn) this.lastLsn = walEnd;
      if (chunk[17] === 1) this.sendStatus(false);
    }
  }

  /** Standby status update: everything received so far is processed, so the server may recycle it. */
  private sendStatus(requestReply: boolean): void {
    if (!this.connection || this.closed) return;
    const buf = Buffer.alloc(34);
    buf[0] = 0x72; // r
    buf.writeBigUInt64BE(this.lastLsn + 1n, 1);
    buf.writeBigUInt64BE(this.lastLsn + 1n, 9);
    buf.writeBigUInt64BE(this.lastLsn + 1n, 17);
    buf.writeBigInt64BE(pgNowMicros(), 25);
    buf[33] = requestReply ? 1 : 0;
    try {
      this.connection.sendCopyFromChunk(buf);
    } catch {
      // The connection is going away; its error handler reports it.
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }
}
