/** A byte stream filled by one synthesis and drained by the sender, so synthesis can run ahead of sending. */
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
  async *drain(): AsyncIterable<Uint8Array> {
    for (;;) {
      while (this.parts.length > 0) yield this.parts.shift()!;
      if (this.failed) throw this.failed;
      if (this.done) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}
