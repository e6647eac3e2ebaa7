import { describe, expect, it } from 'vitest';
import { VoiceActivity } from './voice_activity.ts';

const LOUD = new Uint8Array(160).fill(0x00); // μ-law 0x00: near full scale
const QUIET = new Uint8Array(160).fill(0xff); // μ-law silence

describe('caller voice activity', () => {
  it('adds up a stretch of loud 20 ms frames, and quiet frames are not speech', () => {
    const v = new VoiceActivity();
    expect(v.frame(QUIET, 0)).toBeNull();
    expect([20, 40, 60].map((t) => v.frame(LOUD, t))).toEqual([20, 40, 60]);
  });

  it('keeps a stretch going over a gap shorter than 200 ms, and starts afresh after a longer one', () => {
    const v = new VoiceActivity();
    for (let i = 0; i < 5; i++) v.frame(LOUD, i * 20);
    for (let i = 0; i < 9; i++) v.frame(QUIET, 100 + i * 20); // 180 ms
    expect(v.frame(LOUD, 280)).toBe(120);
    for (let i = 0; i < 10; i++) v.frame(QUIET, 300 + i * 20); // 200 ms
    expect(v.speakingMs).toBe(0);
    expect(v.frame(LOUD, 500)).toBe(20);
  });

  it('dates a caller turn from its first loud frame, once; a turn with none starts where it ends', () => {
    const v = new VoiceActivity();
    v.frame(LOUD, 1000);
    v.frame(LOUD, 1020);
    expect(v.takeTurnStart(2500)).toBe(1000);
    expect(v.takeTurnStart(4000)).toBe(4000);
  });
});
