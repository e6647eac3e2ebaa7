// A byte stream filled by one synthesis and drained by the sender, so synthesis can run ahead of sending. Fifty
// chunks a second per call pass through it, so the sender takes what is there synchronously and waits (one promise)
// only when nothing is: an async generator here cost three promises and a result object per chunk.
export class AudioBuffer {
  private parts: Uint8Array[] = [];
  private done = false;
  private failed: unknown = null;
  private wake: (() => void) | null = null;

  push(b: Uint8Array): void {
    this.parts.push(b);
    this.wake?.();
  }

  end(err?: unknown): void {
    this.done = true;
    if (err) this.failed = err;
    this.wake?.();
  }

  /** The oldest chunk not taken yet, or null when none is waiting (then see `ended`, or wait for `ready`). */
  take(): Uint8Array | null {
    return this.parts.length > 0 ? this.parts.shift()! : null;
  }

  /** No more chunks will come; throws what the synthesis failed with, once every chunk before it was taken. */
  get ended(): boolean {
    if (this.parts.length > 0) return false;
    if (this.failed) throw this.failed;
    return this.done;
  }

  /** Resolves when a chunk arrives or the stream ends. */
  ready(): Promise<void> {
    return new Promise<void>((r) => {
      this.wake = () => {
        this.wake = null;
        r();
      };
    });
  }
}
