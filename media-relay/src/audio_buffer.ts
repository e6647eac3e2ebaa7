// A byte stream filled by one synthesis and drained by the sender, so synthesis can run ahead of sending. Fifty
// chunks a second per call pass through it, so a chunk pushed while the sender drains goes to it in the same call,
// without a promise: waiting for each chunk cost a promise and a resumed async function per frame.
export class AudioBuffer {
  private parts: Uint8Array[] = [];
  private done = false;
  private failed: unknown = null;
  private sink: ((chunk: Uint8Array) => void) | null = null;
  private settle: { resolve: () => void; reject: (err: unknown) => void } | null = null;

  push(chunk: Uint8Array): void {
    if (this.sink) this.deliver(chunk);
    else this.parts.push(chunk);
  }

  end(err?: unknown): void {
    this.done = true;
    if (err) this.failed = err;
    if (this.sink) this.finishIfEnded();
  }

  /**
   * Hands every chunk to `onChunk` in order: those already here at once, later ones as they are pushed. Resolves
   * when the stream has ended; rejects with the synthesis' failure once every chunk before it was handed over, or
   * with what `onChunk` threw (the rest then stays here). One drain at a time.
   */
  drain(onChunk: (chunk: Uint8Array) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.sink = onChunk;
      while (this.draining() && this.parts.length > 0) this.deliver(this.parts.shift()!);
      if (this.draining()) this.finishIfEnded();
    });
  }

  /** A method, not a field read: `deliver` may end the drain, which the compiler cannot see. */
  private draining(): boolean {
    return this.sink !== null;
  }

  private deliver(chunk: Uint8Array): void {
    try {
      this.sink!(chunk);
    } catch (err) {
      this.stop().reject(err);
    }
  }

  private finishIfEnded(): void {
    if (!this.done) return;
    const settle = this.stop();
    if (this.failed) settle.reject(this.failed);
    else settle.resolve();
  }

  private stop(): { resolve: () => void; reject: (err: unknown) => void } {
    const settle = this.settle!;
    this.sink = null;
    this.settle = null;
    return settle;
  }
}
