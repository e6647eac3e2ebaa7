// Microphone audio arrives at the audio device's rate (usually 48 or 44.1 kHz) as floats; the relay wants 8 kHz
// 16-bit mono. A 4th-order Butterworth low-pass at the telephone band's top (3.4 kHz) keeps what lies above the new
// Nyquist frequency (4 kHz) from folding back into the speech band, then each 8 kHz sample is the mean of the input
// samples in its window. Filter state and window position are carried between chunks, so the 128-sample blocks an
// AudioWorklet sees resample as one continuous signal.

export const TARGET_RATE = 8000;

/** Float sample in −1…1 to a 16-bit integer, clamped. */
export function floatToInt16(x: number): number {
  const c = x > 1 ? 1 : x < -1 ? -1 : x;
  return Math.round(c < 0 ? c * 32768 : c * 32767);
}

/** One RBJ-cookbook low-pass biquad (direct form I), run sample by sample. */
class LowPass {
  private readonly b0: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly a1: number;
  private readonly a2: number;
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;

  constructor(rate: number, cutoff: number, q: number) {
    const w = (2 * Math.PI * cutoff) / rate;
    const alpha = Math.sin(w) / (2 * q);
    const cos = Math.cos(w);
    const a0 = 1 + alpha;
    this.b0 = (1 - cos) / 2 / a0;
    this.b1 = (1 - cos) / a0;
    this.b2 = this.b0;
    this.a1 = (-2 * cos) / a0;
    this.a2 = (1 - alpha) / a0;
  }

  step(x: number): number {
    const y = this.b0 * x + this.b1 * this.x1 + this.b2 * this.x2 - this.a1 * this.y1 - this.a2 * this.y2;
    this.x2 = this.x1;
    this.x1 = x;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

/** Top of the telephone speech band; below the 4 kHz Nyquist frequency of 8 kHz audio. */
const CUTOFF_HZ = 3400;

export class Downsampler {
  readonly ratio: number;
  private boundary: number; // input position (in samples since the start) where the current output window ends
  private position = 0; // input samples consumed so far
  private sum = 0;
  private count = 0;
  // Butterworth 4th order as two biquads (Q values of its two pole pairs).
  private readonly stages: [LowPass, LowPass];

  constructor(inputRate: number, outputRate = TARGET_RATE) {
    if (!Number.isFinite(inputRate) || !Number.isFinite(outputRate) || outputRate <= 0 || inputRate < outputRate) {
      throw new RangeError(`Cannot downsample from ${inputRate} Hz to ${outputRate} Hz`);
    }
    this.ratio = inputRate / outputRate;
    this.boundary = this.ratio;
    const cutoff = Math.min(CUTOFF_HZ, outputRate * 0.425);
    this.stages = [new LowPass(inputRate, cutoff, 0.5412), new LowPass(inputRate, cutoff, 1.3066)];
  }

  /** Resamples one chunk; returns the whole output samples it completes (the rest waits for the next chunk). */
  push(input: Float32Array): Int16Array {
    const out = new Int16Array(Math.ceil((input.length + this.count) / this.ratio) + 1);
    let n = 0;
    for (let i = 0; i < input.length; i++) {
      this.sum += this.stages[1].step(this.stages[0].step(input[i]!));
      this.count++;
      this.position++;
      if (this.position >= this.boundary) {
        out[n++] = floatToInt16(this.sum / this.count);
        this.sum = 0;
        this.count = 0;
        this.boundary += this.ratio;
      }
    }
    return out.slice(0, n);
  }
}
