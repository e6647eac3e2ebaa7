// Who speaks when, as a pure function of (state, event) -> (state, actions). The call session feeds it what
// happens on the line and carries out the actions; keeping the policy free of audio and timers lets every rule
// (barge-in, backchannels, silence, closing) be tested directly.

import type { CallEndReason } from '../../core/src/call_status.ts';

/** The endings the relay itself sees on the media stream (calls.media_end_reason accepts exactly these). */
export type EndReason = Extract<CallEndReason, 'user_hung_up' | 'persona_hung_up' | 'budget_exhausted' | 'time_limit' | 'silence_timeout' | 'provider_error' | 'relay_error'>;

export interface TurnPolicy {
  /** Caller speech this long while our audio is still playing interrupts us. */
  bargeInSpeechMs: number;
  /** ...or this many words of interim transcript. */
  bargeInWords: number;
  /** Silence after which we ask whether the caller is still there; the same again ends the call. */
  silenceMs: number;
  /** Absolute cap on the call, from the moment it started. */
  maxDurationMs: number;
  /** A closing line must have finished within this long, or we hang up anyway. */
  closingGraceMs: number;
  /** When the budget is exhausted the goodbye is cut short: hang up within this long. */
  budgetHangupMs: number;
}

export interface TurnState {
  phase: 'listening' | 'responding' | 'closing' | 'ended';
  /** Id of the current (or last) assistant turn; marks carry it so late echoes of older turns are ignored. */
  turn: number;
  /** Marks sent for the current turn and not yet echoed: audio the caller has not heard yet. */
  unacked: number;
  /** Any audio of the current turn has gone out. */
  audioStarted: boolean;
  /** The current turn has produced all of its audio. */
  replyDone: boolean;
  startedAtMs: number;
  lastActivityMs: number;
  reprompts: number;
  wrapUpSent: boolean;
  /** The persona has said the call is nearly over (the guard's closing_soon). */
  closingNoticeSaid?: boolean;
  endReason: EndReason | null;
  closingDeadlineMs: number | null;
}

export type TurnEvent =
  | { type: 'call_started'; nowMs: number }
  | { type: 'caller_speech'; nowMs: number; speechMs: number; interimWords: number }
  | { type: 'caller_turn'; nowMs: number; text: string }
  | { type: 'audio_sent'; turn: number }
  | { type: 'mark'; turn: number; nowMs: number }
  | { type: 'reply_done'; turn: number; nowMs: number; endsCall: boolean }
  | { type: 'tick'; nowMs: number }
  | { type: 'budget_warning' }
  /** About a minute is left (time limit or budget): said once, when the persona is not talking. */
  | { type: 'closing_soon'; nowMs: number }
  | { type: 'budget_exhausted'; nowMs: number }
  | { type: 'provider_failed'; nowMs: number }
  | { type: 'caller_hung_up' };

export type TurnAction =
  | { type: 'respond'; turn: number; userText: string | null }
  /** Stop the turn in progress: clear queued audio, abort generation and synthesis, keep only what was heard. */
  | { type: 'interrupt'; turn: number }
  | { type: 'say'; turn: number; line: 'reprompt' | 'closing_soon' | 'goodbye_silence' | 'goodbye_time' | 'goodbye_budget' | 'apology' }
  | { type: 'instruct_wrap_up' }
  | { type: 'hangup'; reason: EndReason };

export interface TurnResult {
  state: TurnState;
  actions: TurnAction[];
}

export function initialTurnState(nowMs: number): TurnState {
  return {
    phase: 'listening', turn: 0, unacked: 0, audioStarted: false, replyDone: true, startedAtMs: nowMs,
    lastActivityMs: nowMs, reprompts: 0, wrapUpSent: false, endReason: null, closingDeadlineMs: null
  };
}

function nextTurn(s: TurnState, phase: TurnState['phase']): TurnState {
  return { ...s, phase, turn: s.turn + 1, unacked: 0, audioStarted: false, replyDone: false };
}

/** Ends the conversation politely: stop what is playing, say `line`, hang up when it has played. */
function close(s: TurnState, reason: EndReason, line: Extract<TurnAction, { type: 'say' }>['line'], nowMs: number, graceMs: number): TurnResult {
  const actions: TurnAction[] = [];
  if (s.phase === 'responding' || (s.phase === 'closing' && !s.replyDone)) actions.push({ type: 'interrupt', turn: s.turn });
  const next = { ...nextTurn(s, 'closing'), endReason: reason, closingDeadlineMs: nowMs + graceMs };
  actions.push({ type: 'say', turn: next.turn, line });
  return { state: next, actions };
}

/** The current turn has finished playing: back to listening, or hang up if it was the last word. */
function turnFinished(s: TurnState, nowMs: number): TurnResult {
  if (s.phase === 'closing') return { state: { ...s, phase: 'ended' }, actions: [{ type: 'hangup', reason: s.endReason ?? 'persona_hung_up' }] };
  return { state: { ...s, phase: 'listening', lastActivityMs: nowMs }, actions: [] };
}

export function decideTurn(s: TurnState, e: TurnEvent, p: TurnPolicy): TurnResult {
  if (s.phase === 'ended') return { state: s, actions: [] };
  switch (e.type) {
    case 'call_started': {
      const next = { ...nextTurn(s, 'responding'), startedAtMs: e.nowMs, lastActivityMs: e.nowMs };
      return { state: next, actions: [{ type: 'respond', turn: next.turn, userText: null }] };
    }
    case 'caller_speech': {
      const st = { ...s, lastActivityMs: e.nowMs, reprompts: 0 };
      const interrupting = s.phase === 'responding' && s.unacked > 0 &&
        (e.speechMs >= p.bargeInSpeechMs || e.interimWords >= p.bargeInWords);
      if (!interrupting) return { state: st, actions: [] };
      return { state: { ...st, phase: 'listening', unacked: 0, replyDone: true }, actions: [{ type: 'interrupt', turn: s.turn }] };
    }
    case 'caller_turn': {
      const text = e.text.trim();
      if (text === '' || s.phase === 'closing') return { state: s, actions: [] };
      const st = { ...s, lastActivityMs: e.nowMs, reprompts: 0 };
      if (s.phase === 'listening') {
        const next = nextTurn(st, 'responding');
        return { state: next, actions: [{ type: 'respond', turn: next.turn, userText: text }] };
      }
      // Responding. Nothing played yet: the caller kept talking, so answer everything they said instead.
      // Playing: a short backchannel ("mhm") is not a turn; a real sentence interrupts and gets an answer.
      const words = text.split(/\s+/).length;
      if (s.audioStarted && s.unacked > 0 && words < p.bargeInWords) return { state: st, actions: [] };
      const next = nextTurn(st, 'responding');
      return { state: next, actions: [{ type: 'interrupt', turn: s.turn }, { type: 'respond', turn: next.turn, userText: text }] };
    }
    case 'audio_sent':
      if (e.turn !== s.turn) return { state: s, actions: [] };
      return { state: { ...s, unacked: s.unacked + 1, audioStarted: true }, actions: [] };
    case 'mark': {
      if (e.turn !== s.turn || s.unacked === 0) return { state: s, actions: [] };
      const st = { ...s, unacked: s.unacked - 1 };
      return st.unacked === 0 && st.replyDone ? turnFinished(st, e.nowMs) : { state: st, actions: [] };
    }
    case 'reply_done': {
      if (e.turn !== s.turn) return { state: s, actions: [] };
      let st: TurnState = { ...s, replyDone: true };
      if (e.endsCall && st.phase === 'responding') {
        st = { ...st, phase: 'closing', endReason: 'persona_hung_up', closingDeadlineMs: e.nowMs + p.closingGraceMs + 30_000 };
      }
      return st.unacked === 0 ? turnFinished(st, e.nowMs) : { state: st, actions: [] };
    }
    case 'tick': {
      if (s.phase === 'closing' && s.closingDeadlineMs !== null && e.nowMs >= s.closingDeadlineMs) {
        return { state: { ...s, phase: 'ended' }, actions: [{ type: 'hangup', reason: s.endReason ?? 'persona_hung_up' }] };
      }
      if (s.phase !== 'closing' && e.nowMs - s.startedAtMs >= p.maxDurationMs) {
        return close(s, 'time_limit', 'goodbye_time', e.nowMs, p.closingGraceMs);
      }
      if (s.phase === 'listening' && e.nowMs - s.lastActivityMs >= p.silenceMs) {
        if (s.reprompts === 0) {
          const next = { ...nextTurn(s, 'responding'), reprompts: 1, lastActivityMs: e.nowMs };
          return { state: next, actions: [{ type: 'say', turn: next.turn, line: 'reprompt' }] };
        }
        return close(s, 'silence_timeout', 'goodbye_silence', e.nowMs, p.closingGraceMs);
      }
      return { state: s, actions: [] };
    }
    case 'budget_warning':
      if (s.wrapUpSent || s.phase === 'closing') return { state: s, actions: [] };
      return { state: { ...s, wrapUpSent: true }, actions: [{ type: 'instruct_wrap_up' }] };
    case 'closing_soon': {
      if (s.closingNoticeSaid || s.phase !== 'listening') return { state: s, actions: [] };
      const next = { ...nextTurn(s, 'responding'), closingNoticeSaid: true, lastActivityMs: e.nowMs };
      return { state: next, actions: [{ type: 'say', turn: next.turn, line: 'closing_soon' }] };
    }
    case 'budget_exhausted':
      if (s.phase === 'closing' && s.endReason === 'budget_exhausted') return { state: s, actions: [] };
      return close(s, 'budget_exhausted', 'goodbye_budget', e.nowMs, p.budgetHangupMs);
    case 'provider_failed':
      if (s.phase === 'closing') return { state: s, actions: [] };
      return close(s, 'provider_error', 'apology', e.nowMs, p.closingGraceMs);
    case 'caller_hung_up':
      return { state: { ...s, phase: 'ended', endReason: 'user_hung_up' }, actions: [] };
  }
}
