// The live transcript: final lines arrive by realtime and by refetch (after a reconnect), possibly twice and out
// of order; they are kept once each, in seq order. Interim text is a single line per speaker that the next final
// line replaces.

export interface Segment {
  id?: number;
  seq: number;
  speaker: 'user' | 'persona' | 'system' | string;
  text: string;
  interrupted?: boolean;
  start_ms?: number | null;
}

/** Adds `incoming` to `current`: one line per seq (a later copy replaces an earlier one), ordered by seq. */
export function mergeSegments(current: readonly Segment[], incoming: readonly Segment[]): Segment[] {
  const bySeq = new Map<number, Segment>();
  for (const s of current) bySeq.set(s.seq, s);
  for (const s of incoming) {
    if (typeof s?.seq !== 'number' || typeof s.text !== 'string') continue;
    bySeq.set(s.seq, s);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export interface Interim {
  speaker: 'user' | 'persona';
  text: string;
}

/** Reads a broadcast `interim` payload; null when it is not one we can show. */
export function parseInterim(payload: unknown): Interim | null {
  const p = payload as { speaker?: unknown; text?: unknown } | null;
  if (!p || typeof p.text !== 'string') return null;
  const text = p.text.trim();
  if (!text) return null;
  return { speaker: p.speaker === 'persona' ? 'persona' : 'user', text: text.slice(0, 500) };
}

/** Highest seq seen, so a refetch can ask only for what came after (−1 when empty). */
export function lastSeq(segments: readonly Segment[]): number {
  return segments.reduce((m, s) => Math.max(m, s.seq), -1);
}

export function speakerName(speaker: string, personaName: string): string {
  if (speaker === 'persona') return personaName;
  if (speaker === 'user') return 'You';
  return 'Call';
}
