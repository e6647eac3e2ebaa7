// Private channel permissions from the policies on realtime.messages, probed as Realtime does: inside a
// transaction that is always rolled back, probe rows are inserted as the superuser, then — as the user, with
// `realtime.topic` set — reading them decides read access and inserting a row decides write access.
import type pg from 'pg';
import type { VerifiedToken } from './token.ts';

export interface ChannelPermissions {
  broadcastRead: boolean;
  broadcastWrite: boolean;
  presenceRead: boolean;
  presenceWrite: boolean;
}

export const ALL_PERMISSIONS: ChannelPermissions = { broadcastRead: true, broadcastWrite: true, presenceRead: true, presenceWrite: true };
export const NO_PERMISSIONS: ChannelPermissions = { broadcastRead: false, broadcastWrite: false, presenceRead: false, presenceWrite: false };

async function canInsert(client: pg.PoolClient, topic: string, extension: string): Promise<boolean> {
  await client.query('savepoint realtime_write_probe');
  try {
    await client.query('insert into realtime.messages (topic, extension, private) values ($1, $2, true)', [topic, extension]);
    return true;
  } catch {
    return false;
  } finally {
    await client.query('rollback to savepoint realtime_write_probe');
  }
}

export async function channelPermissions(db: pg.Pool, topic: string, token: VerifiedToken): Promise<ChannelPermissions> {
  const client = await db.connect();
  try {
    await client.query('begin');
    const probes = await client.query<{ id: string; extension: string }>(
      `insert into realtime.messages (topic, extension, private) values ($1, 'broadcast', true), ($1, 'presence', true)
       returning id, extension`,
      [topic]
    );
    const sub = typeof token.claims.sub === 'string' ? token.claims.sub : '';
    await client.query(
      `select set_config('role', $1, true), set_config('realtime.topic', $2, true),
              set_config('request.jwt.claims', $3, true), set_config('request.jwt.claim.sub', $4, true),
              set_config('request.jwt.claim.role', $1, true), set_config('request.headers', '{}', true)`,
      [token.role, topic, token.claimsJson, sub]
    );
    const visible = await client.query<{ extension: string }>(
      'select extension from realtime.messages where id = any($1::uuid[])',
      [probes.rows.map((r) => r.id)]
    );
    const seen = new Set(visible.rows.map((r) => r.extension));
    const perms: ChannelPermissions = {
      broadcastRead: seen.has('broadcast'),
      presenceRead: seen.has('presence'),
      broadcastWrite: await canInsert(client, topic, 'broadcast'),
      presenceWrite: await canInsert(client, topic, 'presence')
    };
    return perms;
  } catch {
    // A policy that fails (or a role that does not exist) grants nothing.
    return NO_PERMISSIONS;
  } finally {
    await client.query('rollback').catch(() => undefined);
    client.release();
  }
}
