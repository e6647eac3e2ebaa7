// Caller voice activity from the line's μ-law frames, for barge-in: a stretch of loud frames is speech, and only a
// short quiet gap ends it (the gaps between syllables and words do not). Also remembers when the caller's current
// turn began, since the recogniser only says when it ended.
import { decodeMulawSample } from '../../core/src/mulaw.ts';

/** Frame loudness (RMS of 16-bit PCM) from which a frame counts as speech. */
export const SPEECH_RMS = 400;
/** Quiet this long ends a stretch of caller speech. */
export const SPEECH_GAP_MS = 200;

/** Each μ-law byte's squared 16-bit sample: a frame's loudness without decoding it into a new array. */
const SQUARED = Float64Array.from({ length: 256 }, (_, b) => decodeMulawSample(b) ** 2);

export class VoiceActivity {
  private speechMs = 0;
  private quietMs = 0;
  private turnStartMs: number | null = null;
  private lastLoudEndMs: number | null = null;

  /** One frame heard at `nowMs`. Returns how long the caller has been speaking when the frame is loud, else null. */
  frame(mulaw: Uint8Array, nowMs: number): number | null {
    let s = 0;
    for (let i = 0; i < mulaw.length; i++) s += SQUARED[mulaw[i]!]!;
    const loud = Math.sqrt(s / Math.max(1, mulaw.length)) >= SPEECH_RMS;
    const ms = (mulaw.length / 8000) * 1000;
    if (loud) {
      this.lastLoudEndMs = nowMs;
      if (this.speechMs === 0 && this.turnStartMs === null) this.turnStartMs = nowMs;
      this.speechMs += ms;
      this.quietMs = 0;
      return this.speechMs;
    }
    if (this.speechMs > 0) {
      this.quietMs += ms;
      if (this.quietMs >= SPEECH_GAP_MS) {
        this.speechMs = 0;
        this.quietMs = 0;
      }
    }
    return null;
  }

  /** When the caller last made a sound loud enough to be speech (call time), null before they ever did. */
  get lastSpeechAtMs(): number | null {
    return this.lastLoudEndMs;
  }

  /** The current stretch of speech so far (0 when the caller is quiet). */
  get speakingMs(): number {
    return this.speechMs;
  }

  /** The caller's turn ended at `endMs`: when it started (its first loud frame; the end itself if none was heard). */
  takeTurnStart(endMs: number): number {
    const start = this.turnStartMs ?? endMs;
    this.turnStartMs = null;
    return start;
  }
}
