// devstack's database commits asynchronously (synchronous_commit = off), so a committed change can wait up to
// wal_writer_delay (200 ms) before its WAL is flushed — and logical decoding only sees flushed WAL. While anyone
// listens for changes, this checks every few milliseconds for unflushed WAL and, if there is some, commits a
// tiny transaction synchronously, which flushes everything before it. One gateway process on the database does
// this at a time (advisory lock), so two gateways never keep each other busy with their own flushes.
import pg from 'pg';

const INTERVAL_MS = 8;
const LEADER_RETRY_MS = 1_000;
const LOCK_KEY = 7_305_214_091; // devstack realtime WAL flusher

export class WalFlusher {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private leader = false;
  private lastLeaderAttempt = 0;
  private active = false;
  private readonly connectionString: string;
  private readonly log: (line: string) => void;

  constructor(connectionString: string, log: (line: string) => void) {
    this.connectionString = connectionString;
    this.log = log;
  }

  setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    if (active) {
      this.timer = setInterval(() => void this.tick(), INTERVAL_MS);
      this.timer.unref();
    } else {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      this.disconnect();
    }
  }

  private disconnect(): void {
    const c = this.client;
    this.client = null;
    this.leader = false;
    void c?.end().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.busy || !this.active) return;
    this.busy = true;
    try {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.connectionString, application_name: 'devstack realtime flush' });
        client.on('error', () => undefined);
        await client.connect();
        await client.query('set synchronous_commit = on');
        if (!this.active) {
          await client.end().catch(() => undefined);
          return;
        }
        this.client = client;
      }
      if (!this.leader) {
        if (Date.now() - this.lastLeaderAttempt < LEADER_RETRY_MS) return;
        this.lastLeaderAttempt = Date.now();
        const r = await this.client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [LOCK_KEY]);
        this.leader = r.rows[0]?.ok === true;
        if (!this.leader) return;
      }
      const dirty = await this.client.query<{ dirty: boolean }>({
        name: 'realtime_wal_dirty',
        text: 'select pg_current_wal_insert_lsn() > pg_current_wal_flush_lsn() as dirty'
      });
      if (dirty.rows[0]?.dirty) {
        await this.client.query({ name: 'realtime_wal_flush', text: "select pg_logical_emit_message(true, 'devstack_realtime_flush', '')" });
      }
    } catch (err) {
      // Turning the flusher off ends its connection mid-query; only other failures are worth a line.
      if (this.active && this.client) this.log(`realtime: WAL flush failed: ${(err as Error).message}`);
      this.disconnect();
    } finally {
      this.busy = false;
    }
  }

  close(): void {
    this.setActive(false);
  }
}
