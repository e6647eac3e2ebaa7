// A call's answer latencies (public.call_turn_latencies, written by the media relay) summarised for the call page:
// p50 and p95 of each stage over the answers that had it, and how the answers went.
import type { Tables } from '../../../core/src/database.types.ts';

export type TurnLatencyRow = Pick<Tables<'call_turn_latencies'>,
  'turn' | 'stt_final_ms' | 'llm_first_token_ms' | 'tts_first_byte_ms' | 'voice_to_voice_ms' | 'interrupted' | 'preemptive' | 'acknowledged'>;

export interface StageSummary {
  label: string;
  p50: number | null;
  p95: number | null;
}

export interface LatencySummary {
  answers: number;
  interrupted: number;
  preemptive: number;
  acknowledged: number;
  stages: StageSummary[];
}

/** Nearest-rank percentile of `values` (unsorted), null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const STAGES: { label: string; pick: (r: TurnLatencyRow) => number | null }[] = [
  { label: 'Voice to voice', pick: (r) => r.voice_to_voice_ms },
  { label: 'Speech recognised', pick: (r) => r.stt_final_ms },
  { label: 'First word of the answer', pick: (r) => r.llm_first_token_ms },
  { label: 'First audio of the answer', pick: (r) => r.tts_first_byte_ms }
];

export function summarise(rows: readonly TurnLatencyRow[]): LatencySummary {
  return {
    answers: rows.length,
    interrupted: rows.filter((r) => r.interrupted).length,
    preemptive: rows.filter((r) => r.preemptive).length,
    acknowledged: rows.filter((r) => r.acknowledged).length,
    stages: STAGES.map(({ label, pick }) => {
      const values = rows.map(pick).filter((v): v is number => v !== null);
      return { label, p50: percentile(values, 50), p95: percentile(values, 95) };
    })
  };
}

export const formatMs = (ms: number | null) => (ms === null ? '–' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
