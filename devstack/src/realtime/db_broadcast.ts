// Broadcast from the database: realtime.send() inserts into realtime.messages and notifies
// 'realtime_broadcast' with the row id (delivered on commit); the row is fanned out to its topic.
import pg from 'pg';
import type { Hub } from './hub.ts';

export class DbBroadcastListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly connectionString: string;
  private readonly db: pg.Pool;
  private readonly hub: Hub;
  private readonly log: (line: string) => void;

  constructor(connectionString: string, db: pg.Pool, hub: Hub, log: (line: string) => void) {
    this.connectionString = connectionString;
    this.db = db;
    this.hub = hub;
    this.log = log;
  }

  /** Connects and listens; on failure it keeps retrying in the background. */
  async start(): Promise<void> {
    await this.connect().catch((err) => {
      this.log(`realtime: database broadcast unavailable: ${(err as Error).message}; retrying`);
      this.restart();
    });
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'devstack realtime broadcast' });
    client.on('notification', (n) => {
      if (n.channel === 'realtime_broadcast' && n.payload) void this.forward(n.payload);
    });
    client.on('error', (err) => {
      this.log(`realtime: broadcast listener error: ${err.message}`);
      this.restart();
    });
    client.on('end', () => this.restart());
    try {
      await client.connect();
      await client.query('listen realtime_broadcast');
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
  }

  private restart(): void {
    if (this.closed || this.retry) return;
    this.client = null;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, 1_000);
    this.retry.unref();
  }

  private async forward(id: string): Promise<void> {
    try {
      const res = await this.db.query<{ topic: string; event: string | null; payload: unknown; private: boolean | null; binary_payload: Buffer | null }>(
        'select topic, event, payload, private, binary_payload from realtime.messages where id = $1::uuid',
        [id]
      );
      const row = res.rows[0];
      if (!row) return;
      this.hub.broadcast(row.topic, row.private === true, {
        event: row.event ?? '',
        payload: row.payload ?? {},
        binary: row.binary_payload,
        meta: { id }
      });
    } catch (err) {
      this.log(`realtime: could not forward database broadcast ${id}: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}
