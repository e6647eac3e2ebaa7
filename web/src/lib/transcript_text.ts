// A call's transcript as a plain text file: a heading, then one line per utterance, "[m:ss] Speaker: words".
import { speakerName } from './transcript.ts';

export interface TranscriptLine { seq: number; speaker: string; text: string; start_ms: number | null; interrupted: boolean }

/** 65_000 → "1:05"; an hour or more → "1:01:05"; unknown → "--:--". */
export function offset(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function transcriptText(call: { personaName: string; startedAt: string; lines: readonly TranscriptLine[] }): string {
  const head = [`Call with ${call.personaName}`, `Started ${new Date(call.startedAt).toISOString().replace('T', ' ').slice(0, 19)} UTC`, ''];
  const body = [...call.lines]
    .sort((a, b) => a.seq - b.seq)
    .map((l) => `[${offset(l.start_ms)}] ${speakerName(l.speaker, call.personaName)}: ${l.text.replace(/\s*\r?\n\s*/g, ' ')}${l.interrupted ? ' (cut off)' : ''}`);
  if (body.length === 0) body.push('Nothing was said on this call.');
  return `${[...head, ...body].join('\n')}\n`;
}

/** "call-brad-2026-12-05-1a2b3c4d.txt": the persona, the day and the call, in characters every system accepts. */
export function transcriptFileName(personaName: string, startedAt: string, callId: string): string {
  const who = personaName.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'persona';
  return `call-${who}-${new Date(startedAt).toISOString().slice(0, 10)}-${callId.slice(0, 8)}.txt`;
}
