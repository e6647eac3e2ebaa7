import { describe, expect, it } from 'vitest';
import { offset, transcriptFileName, transcriptText } from './transcript_text';

describe('transcript as text', () => {
  it('writes one timestamped line per utterance, in order, with who spoke', () => {
    const text = transcriptText({
      personaName: 'Brad',
      startedAt: '2026-12-05T09:30:00Z',
      lines: [
        { seq: 1, speaker: 'user', text: 'Morning!\nReady.', start_ms: 4200, interrupted: false },
        { seq: 0, speaker: 'persona', text: 'Up you get', start_ms: 0, interrupted: true },
        { seq: 2, speaker: 'system', text: 'Call ended', start_ms: null, interrupted: false }
      ]
    });
    expect(text).toBe('Call with Brad\nStarted 2026-12-05 09:30:00 UTC\n\n[0:00] Brad: Up you get (cut off)\n[0:04] You: Morning! Ready.\n[--:--] Call: Call ended\n');
  });
  it('says so when nothing was said', () => {
    expect(transcriptText({ personaName: 'Sarah', startedAt: '2026-12-05T09:30:00Z', lines: [] })).toContain('Nothing was said on this call.');
  });
  it('formats offsets past an hour and names the file safely', () => {
    expect(offset(3_725_000)).toBe('1:02:05');
    expect(offset(59_999)).toBe('0:59');
    expect(transcriptFileName('Zoë / Coach', '2026-12-05T23:30:00Z', '1a2b3c4d-0000-4000-8000-000000000000')).toBe('call-zoe-coach-2026-12-05-1a2b3c4d.txt');
  });
});
