// Who is joined to which topic, and fan-out of broadcasts and presence between them. Public and private
// channels with the same name are different topics.
import type { ChannelPermissions } from './authorization.ts';
import { encodeBroadcastFor, type PhxMessage, type UserBroadcast, type Vsn } from './framing.ts';
import { TopicPresence, type PresenceDiff, type PresenceState } from './presence.ts';

export interface HubChannel {
  readonly topic: string;
  readonly name: string;
  readonly isPrivate: boolean;
  readonly vsn: Vsn;
  readonly broadcastSelf: boolean;
  readonly presenceEnabled: boolean;
  readonly permissions: ChannelPermissions;
  sendFrame(frame: string | Buffer): void;
  sendMessage(msg: PhxMessage): void;
}

export function topicKey(name: string, isPrivate: boolean): string {
  return `${isPrivate ? 'private' : 'public'}:${name}`;
}

export class Hub {
  private readonly topics = new Map<string, Set<HubChannel>>();
  private readonly presence = new Map<string, TopicPresence>();

  add(ch: HubChannel): void {
    const key = topicKey(ch.name, ch.isPrivate);
    let set = this.topics.get(key);
    if (!set) this.topics.set(key, (set = new Set()));
    set.add(ch);
  }

  remove(ch: HubChannel): void {
    this.untrack(ch);
    const key = topicKey(ch.name, ch.isPrivate);
    const set = this.topics.get(key);
    set?.delete(ch);
    if (set && set.size === 0) this.topics.delete(key);
  }

  channelCount(): number {
    let n = 0;
    for (const set of this.topics.values()) n += set.size;
    return n;
  }

  /** Delivers a user broadcast to every channel on the topic that may read it (the sender only with `self`). */
  broadcast(name: string, isPrivate: boolean, b: UserBroadcast, sender: HubChannel | null = null): number {
    const set = this.topics.get(topicKey(name, isPrivate));
    if (!set) return 0;
    const encoded = new Map<Vsn, string | Buffer | null>();
    let delivered = 0;
    for (const ch of set) {
      if (ch === sender && !ch.broadcastSelf) continue;
      if (isPrivate && !ch.permissions.broadcastRead) continue;
      if (!encoded.has(ch.vsn)) encoded.set(ch.vsn, encodeBroadcastFor(ch.vsn, ch.topic, b));
      const frame = encoded.get(ch.vsn);
      if (frame === null || frame === undefined) continue;
      ch.sendFrame(frame);
      delivered++;
    }
    return delivered;
  }

  presenceState(ch: HubChannel): PresenceState {
    return this.presence.get(topicKey(ch.name, ch.isPrivate))?.state() ?? {};
  }

  track(ch: HubChannel, key: string, payload: unknown): void {
    const tkey = topicKey(ch.name, ch.isPrivate);
    let p = this.presence.get(tkey);
    if (!p) this.presence.set(tkey, (p = new TopicPresence()));
    const diff = p.track(ch, key, payload);
    if (diff) this.sendDiff(ch, diff);
  }

  untrack(ch: HubChannel): void {
    const tkey = topicKey(ch.name, ch.isPrivate);
    const p = this.presence.get(tkey);
    if (!p) return;
    const diff = p.untrack(ch);
    if (p.size === 0) this.presence.delete(tkey);
    if (diff) this.sendDiff(ch, diff);
  }

  private sendDiff(origin: HubChannel, diff: PresenceDiff): void {
    const set = this.topics.get(topicKey(origin.name, origin.isPrivate));
    if (!set) return;
    for (const ch of set) {
      if (!ch.presenceEnabled) continue;
      if (ch.isPrivate && !ch.permissions.presenceRead) continue;
      ch.sendMessage({ joinRef: null, ref: null, topic: ch.topic, event: 'presence_diff', payload: diff });
    }
  }
}
