// Presence of one topic, in Phoenix.Presence's wire shapes: state `{key: {metas: [...]}}` and diffs
// `{joins, leaves}`. Each joined channel holds at most one meta (under its presence key).
import { randomUUID } from 'node:crypto';

export interface PresenceMeta {
  phx_ref: string;
  [field: string]: unknown;
}

export type PresenceState = Record<string, { metas: PresenceMeta[] }>;

export interface PresenceDiff {
  joins: PresenceState;
  leaves: PresenceState;
}

interface Entry {
  key: string;
  meta: PresenceMeta;
  payloadJson: string;
}

function newRef(): string {
  return randomUUID().replace(/-/g, '').slice(0, 20);
}

export class TopicPresence {
  /** Owner (one joined channel) → its tracked entry. */
  private readonly entries = new Map<object, Entry>();

  get size(): number {
    return this.entries.size;
  }

  state(): PresenceState {
    const out: PresenceState = {};
    for (const e of this.entries.values()) (out[e.key] ??= { metas: [] }).metas.push(e.meta);
    return out;
  }

  /** Tracks or re-tracks; null when nothing changed (same payload again). */
  track(owner: object, key: string, payload: unknown): PresenceDiff | null {
    const fields = payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
    const payloadJson = JSON.stringify(fields);
    const previous = this.entries.get(owner);
    if (previous && previous.key === key && previous.payloadJson === payloadJson) return null;
    const meta: PresenceMeta = { ...fields, phx_ref: newRef() };
    if (previous) meta.phx_ref_prev = previous.meta.phx_ref;
    this.entries.set(owner, { key, meta, payloadJson });
    const diff: PresenceDiff = { joins: { [key]: { metas: [meta] } }, leaves: {} };
    if (previous) diff.leaves[previous.key] = { metas: [previous.meta] };
    return diff;
  }

  untrack(owner: object): PresenceDiff | null {
    const previous = this.entries.get(owner);
    if (!previous) return null;
    this.entries.delete(owner);
    return { joins: {}, leaves: { [previous.key]: { metas: [previous.meta] } } };
  }
}
