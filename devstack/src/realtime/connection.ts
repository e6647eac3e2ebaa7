// One Realtime WebSocket: the Phoenix socket (heartbeats, joins, leaves) and the channels joined over it.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { WebSocket } from 'ws';
import type { JwtKeyInput } from '../gateway/jwt.ts';
import { ALL_PERMISSIONS, channelPermissions, type ChannelPermissions } from './authorization.ts';
import { decodeBinary, decodeText, encodeText, FrameError, type PhxMessage, type UserBroadcast, type Vsn } from './framing.ts';
import type { Hub, HubChannel } from './hub.ts';
import type { BindingRequest, ChangeSubscriber, PostgresChanges } from './postgres_changes.ts';
import { msUntilExpiry, verifyToken, type VerifiedToken } from './token.ts';

export interface ConnectionDeps {
  hub: Hub;
  changes: PostgresChanges;
  db: pg.Pool;
  jwtKeys: JwtKeyInput;
  log: (line: string) => void;
}

const TOPIC_PREFIX = 'realtime:';
const MAX_TIMER_MS = 2_147_483_647;

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export class Channel implements HubChannel, ChangeSubscriber {
  readonly topic: string;
  readonly name: string;
  readonly joinRef: string | null;
  readonly isPrivate: boolean;
  readonly broadcastSelf: boolean;
  readonly broadcastAck: boolean;
  readonly presenceKey: string;
  presenceEnabled: boolean;
  permissions: ChannelPermissions;
  token: VerifiedToken;
  expiryTimer: NodeJS.Timeout | null = null;
  private readonly conn: Connection;
  private readonly topicJson: string;

  constructor(conn: Connection, init: {
    topic: string; joinRef: string | null; isPrivate: boolean; broadcastSelf: boolean; broadcastAck: boolean;
    presenceKey: string; presenceEnabled: boolean; permissions: ChannelPermissions; token: VerifiedToken;
  }) {
    this.conn = conn;
    this.topic = init.topic;
    this.name = init.topic.slice(TOPIC_PREFIX.length);
    this.joinRef = init.joinRef;
    this.isPrivate = init.isPrivate;
    this.broadcastSelf = init.broadcastSelf;
    this.broadcastAck = init.broadcastAck;
    this.presenceKey = init.presenceKey;
    this.presenceEnabled = init.presenceEnabled;
    this.permissions = init.permissions;
    this.token = init.token;
    this.topicJson = JSON.stringify(this.topic);
  }

  get vsn(): Vsn {
    return this.conn.vsn;
  }

  sendFrame(frame: string | Buffer): void {
    this.conn.sendFrame(frame);
  }

  sendMessage(msg: PhxMessage): void {
    this.conn.send(msg);
  }

  /** A push of the channel itself (system, presence_state): carries the join ref so the client accepts it. */
  push(event: string, payload: unknown): void {
    this.conn.send({ joinRef: this.joinRef, ref: null, topic: this.topic, event, payload });
  }

  sendChange(idsJson: string, dataJson: string): void {
    const payload = `{"ids":${idsJson},"data":${dataJson}}`;
    this.conn.sendFrame(
      this.conn.vsn === '2.0.0'
        ? `[null,null,${this.topicJson},"postgres_changes",${payload}]`
        : `{"topic":${this.topicJson},"event":"postgres_changes","payload":${payload},"ref":null,"join_ref":null}`
    );
  }

  system(extension: string, status: 'ok' | 'error', message: string): void {
    this.push('system', { extension, status, message, channel: this.name });
  }
}

export class Connection {
  readonly vsn: Vsn;
  private readonly ws: WebSocket;
  private readonly socketToken: VerifiedToken;
  private readonly deps: ConnectionDeps;
  private readonly channels = new Map<string, Channel>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(ws: WebSocket, vsn: Vsn, socketToken: VerifiedToken, deps: ConnectionDeps) {
    this.ws = ws;
    this.vsn = vsn;
    this.socketToken = socketToken;
    this.deps = deps;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      // Messages of one socket are handled in order: a join finishes before the next push is looked at.
      this.queue = this.queue.then(() => this.onFrame(data, isBinary)).catch((err) => {
        deps.log(`realtime: message handling failed: ${(err as Error).stack ?? err}`);
      });
    });
    ws.on('close', () => this.onClose());
    ws.on('error', () => this.onClose());
  }

  sendFrame(frame: string | Buffer): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(frame, { binary: typeof frame !== 'string' });
  }

  send(msg: PhxMessage): void {
    this.sendFrame(encodeText(msg, this.vsn));
  }

  private reply(msg: PhxMessage, status: 'ok' | 'error', response: unknown): void {
    this.send({ joinRef: msg.joinRef, ref: msg.ref, topic: msg.topic, event: 'phx_reply', payload: { status, response } });
  }

  private async onFrame(data: Buffer, isBinary: boolean): Promise<void> {
    let msg: PhxMessage;
    let broadcast: UserBroadcast | null = null;
    try {
      if (isBinary) {
        if (this.vsn !== '2.0.0') throw new FrameError('binary frames need protocol version 2.0.0');
        const decoded = decodeBinary(data);
        msg = decoded.message;
        broadcast = decoded.broadcast;
      } else {
        msg = decodeText(data.toString('utf8'), this.vsn);
      }
    } catch (err) {
      this.deps.log(`realtime: dropped a malformed frame: ${(err as Error).message}`);
      return;
    }
    if (msg.topic === 'phoenix') {
      if (msg.event === 'heartbeat') this.reply(msg, 'ok', {});
      return;
    }
    if (msg.event === 'phx_join') return this.join(msg);
    const ch = this.channels.get(msg.topic);
    if (!ch || (msg.joinRef !== null && ch.joinRef !== null && msg.joinRef !== ch.joinRef)) {
      this.reply(msg, 'error', { reason: 'unmatched topic' });
      return;
    }
    switch (msg.event) {
      case 'phx_leave':
        this.leave(ch);
        this.reply(msg, 'ok', {});
        return;
      case 'broadcast':
        return this.onBroadcast(ch, msg, broadcast);
      case 'presence':
        return this.onPresence(ch, msg);
      case 'access_token':
        return this.onAccessToken(ch, msg);
      default:
        this.reply(msg, 'error', { reason: `unknown event "${msg.event}"` });
    }
  }

  private async join(msg: PhxMessage): Promise<void> {
    if (!msg.topic.startsWith(TOPIC_PREFIX)) {
      this.reply(msg, 'error', { reason: 'unmatched topic' });
      return;
    }
    const name = msg.topic.slice(TOPIC_PREFIX.length);
    if (name === '') {
      this.reply(msg, 'error', { reason: 'TopicNameRequired: You must provide a topic name' });
      return;
    }
    const payload = obj(msg.payload);
    const config = obj(payload.config);
    const broadcastCfg = obj(config.broadcast);
    const presenceCfg = obj(config.presence);
    const isPrivate = config.private === true;

    const token = await this.resolveToken(payload.access_token ?? payload.user_token);
    if (!token.ok) {
      this.reply(msg, 'error', { reason: token.message });
      return;
    }
    const existing = this.channels.get(msg.topic);
    if (existing) {
      this.leave(existing);
      existing.push('phx_close', {});
    }
    let permissions = ALL_PERMISSIONS;
    if (isPrivate) {
      permissions = await channelPermissions(this.deps.db, name, token.value);
      if (!permissions.broadcastRead && !permissions.presenceRead) {
        this.reply(msg, 'error', { reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${name}` });
        return;
      }
    }
    const presenceKey = typeof presenceCfg.key === 'string' && presenceCfg.key !== '' ? presenceCfg.key : randomUUID();
    const ch = new Channel(this, {
      topic: msg.topic,
      joinRef: msg.joinRef,
      isPrivate,
      broadcastSelf: broadcastCfg.self === true,
      broadcastAck: broadcastCfg.ack === true,
      presenceKey,
      presenceEnabled: presenceCfg.enabled === true,
      permissions,
      token: token.value
    });
    const bindings = Array.isArray(config.postgres_changes) ? (config.postgres_changes as BindingRequest[]).map(obj) : [];
    // Subscriptions exist before the reply, so a change made right after SUBSCRIBED is never missed.
    const subscribed = bindings.length > 0 ? await this.deps.changes.subscribe(ch, bindings) : { reply: [], error: null };
    if (this.closed) {
      this.deps.changes.unsubscribe(ch);
      return;
    }
    this.channels.set(msg.topic, ch);
    this.deps.hub.add(ch);
    this.scheduleExpiry(ch);
    this.reply(msg, 'ok', { postgres_changes: subscribed.reply });
    if (bindings.length > 0) {
      if (subscribed.error) ch.system('postgres_changes', 'error', subscribed.error);
      else ch.system('postgres_changes', 'ok', 'Subscribed to PostgreSQL');
    }
    if (ch.presenceEnabled && (!isPrivate || permissions.presenceRead)) ch.push('presence_state', this.deps.hub.presenceState(ch));
  }

  /** The join/access_token token; opaque sb_ keys and a missing token mean the socket's own API key. */
  private async resolveToken(raw: unknown): Promise<{ ok: true; value: VerifiedToken } | { ok: false; message: string }> {
    if (typeof raw !== 'string' || raw === '' || raw.startsWith('sb_')) {
      if (msUntilExpiry(this.socketToken) === 0) return { ok: false, message: 'InvalidJWTToken: Token has expired 0 seconds ago' };
      return { ok: true, value: this.socketToken };
    }
    return verifyToken(raw, this.deps.jwtKeys);
  }

  private scheduleExpiry(ch: Channel): void {
    if (ch.expiryTimer) clearTimeout(ch.expiryTimer);
    const wait = msUntilExpiry(ch.token);
    ch.expiryTimer = setTimeout(() => {
      ch.expiryTimer = null;
      if (this.channels.get(ch.topic) !== ch) return;
      if (msUntilExpiry(ch.token) > 0) {
        this.scheduleExpiry(ch);
        return;
      }
      const ago = Math.max(0, Math.floor((Date.now() - ch.token.exp * 1000) / 1000));
      this.shutdown(ch, `Token has expired ${ago} seconds ago`);
    }, Math.min(wait, MAX_TIMER_MS));
    ch.expiryTimer.unref();
  }

  /** Ends a channel from the server side: a `system` error, then phx_close. */
  private shutdown(ch: Channel, message: string): void {
    ch.system('system', 'error', message);
    this.leave(ch);
    ch.push('phx_close', {});
  }

  private leave(ch: Channel): void {
    if (ch.expiryTimer) clearTimeout(ch.expiryTimer);
    ch.expiryTimer = null;
    if (this.channels.get(ch.topic) === ch) this.channels.delete(ch.topic);
    this.deps.hub.remove(ch);
    this.deps.changes.unsubscribe(ch);
  }

  private onBroadcast(ch: Channel, msg: PhxMessage, binary: UserBroadcast | null): void {
    const p = obj(msg.payload);
    const b: UserBroadcast = binary ?? {
      event: typeof p.event === 'string' ? p.event : '',
      payload: p.payload ?? {},
      binary: null,
      meta: null
    };
    b.meta = null;
    if (!ch.isPrivate || ch.permissions.broadcastWrite) this.deps.hub.broadcast(ch.name, ch.isPrivate, b, ch);
    if (ch.broadcastAck) this.reply(msg, 'ok', {});
  }

  private onPresence(ch: Channel, msg: PhxMessage): void {
    const p = obj(msg.payload);
    if (ch.isPrivate && !ch.permissions.presenceWrite) {
      this.reply(msg, 'error', { reason: `Unauthorized: You do not have permissions to write to this Channel topic: ${ch.name}` });
      return;
    }
    if (p.event === 'track') {
      if (!ch.presenceEnabled) ch.presenceEnabled = true;
      this.deps.hub.track(ch, ch.presenceKey, p.payload);
    } else if (p.event === 'untrack') {
      this.deps.hub.untrack(ch);
    } else {
      this.reply(msg, 'error', { reason: 'presence event must be track or untrack' });
      return;
    }
    this.reply(msg, 'ok', {});
  }

  private async onAccessToken(ch: Channel, msg: PhxMessage): Promise<void> {
    const token = await this.resolveToken(obj(msg.payload).access_token);
    if (this.channels.get(ch.topic) !== ch) return;
    if (!token.ok) {
      this.shutdown(ch, token.message);
      return;
    }
    ch.token = token.value;
    this.scheduleExpiry(ch);
    if (ch.isPrivate) {
      const perms = await channelPermissions(this.deps.db, ch.name, token.value);
      if (this.channels.get(ch.topic) !== ch) return;
      ch.permissions = perms;
      if (!perms.broadcastRead && !perms.presenceRead) {
        this.shutdown(ch, `Unauthorized: You do not have permissions to read from this Channel topic: ${ch.name}`);
      }
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ch of [...this.channels.values()]) this.leave(ch);
  }

  close(): void {
    this.onClose();
    this.ws.terminate();
  }
}
