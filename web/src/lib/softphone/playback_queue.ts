// Bookkeeping for the persona's voice: audio chunks play back to back in arrival order, and a mark is due once
// everything queued before it has played. The relay counts what the caller actually heard by these echoes, so a
// mark must be neither early (audio still queued) nor lost (a `clear` echoes every pending mark at once).
// Times are seconds on the player's clock (AudioContext.currentTime in the browser).

export class PlaybackQueue {
  private endsAt = 0;
  private marks: { name: string; at: number }[] = [];

  /** Queues `duration` seconds of audio; returns when it should start (now, or when the audio ahead ends). */
  enqueue(duration: number, now: number): number {
    const startAt = Math.max(now, this.endsAt);
    this.endsAt = startAt + duration;
    return startAt;
  }

  /** Records a mark after everything queued so far. */
  mark(name: string, now: number): void {
    this.marks.push({ name, at: Math.max(now, this.endsAt) });
  }

  /** Marks whose audio has played by `now`, oldest first; they are forgotten once returned. */
  due(now: number): string[] {
    let n = 0;
    while (n < this.marks.length && this.marks[n]!.at <= now) n++;
    return this.marks.splice(0, n).map((m) => m.name);
  }

  /** Drops everything queued; returns every pending mark, to be echoed at once. */
  clear(now: number): string[] {
    this.endsAt = now;
    return this.marks.splice(0).map((m) => m.name);
  }

  /** When the next pending mark falls due, or null when none is waiting. */
  nextDueAt(): number | null {
    return this.marks[0]?.at ?? null;
  }

  /** Seconds of audio still to play. */
  queuedSeconds(now: number): number {
    return Math.max(0, this.endsAt - now);
  }
}
