// 20 ms frames of 8 kHz samples, the unit the relay's media messages carry. Kept apart from the message code so the
// microphone worklet can use it without loading the μ-law tables.

/** 20 ms at 8 kHz: one μ-law byte per sample. */
export const FRAME_SAMPLES = 160;
export const FRAME_MS = 20;

/** Cuts a stream of 8 kHz samples into whole 20 ms frames, keeping the remainder for the next push. */
export class FrameChunker {
  private pending = new Int16Array(FRAME_SAMPLES);
  private filled = 0;

  push(samples: Int16Array): Int16Array[] {
    const frames: Int16Array[] = [];
    let i = 0;
    while (i < samples.length) {
      const take = Math.min(FRAME_SAMPLES - this.filled, samples.length - i);
      this.pending.set(samples.subarray(i, i + take), this.filled);
      this.filled += take;
      i += take;
      if (this.filled === FRAME_SAMPLES) {
        frames.push(this.pending);
        this.pending = new Int16Array(FRAME_SAMPLES);
        this.filled = 0;
      }
    }
    return frames;
  }
}
