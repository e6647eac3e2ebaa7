import { describe, expect, it } from 'vitest';
import { decideTurn, initialTurnState, type TurnEvent, type TurnPolicy, type TurnState } from './turn_taking.ts';

const P: TurnPolicy = { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 10_000, maxDurationMs: 600_000, closingGraceMs: 8000, budgetHangupMs: 2000 };

function run(events: TurnEvent[], from: TurnState = initialTurnState(0)) {
  let state = from;
  const actions = [];
  for (const e of events) {
    const r = decideTurn(state, e, P);
    state = r.state;
    actions.push(...r.actions);
  }
  return { state, actions };
}

/** A call where the persona's greeting (turn 1) has two chunks on the line, none played yet. */
const speaking = () => run([{ type: 'call_started', nowMs: 0 }, { type: 'audio_sent', turn: 1 }, { type: 'audio_sent', turn: 1 }]).state;

describe('turn-taking policy', () => {
  it('greets first, then answers each caller turn once the greeting has played', () => {
    const r = run([
      { type: 'call_started', nowMs: 0 },
      { type: 'audio_sent', turn: 1 },
      { type: 'reply_done', turn: 1, nowMs: 500, endsCall: false },
      { type: 'mark', turn: 1, nowMs: 2000 },
      { type: 'caller_turn', nowMs: 4000, text: 'who is this' }
    ]);
    expect(r.actions).toEqual([{ type: 'respond', turn: 1, userText: null }, { type: 'respond', turn: 2, userText: 'who is this' }]);
    expect(r.state.phase).toBe('responding');
  });

  it('barges in on 300 ms of caller speech while our audio is unacknowledged', () => {
    const s = speaking();
    expect(decideTurn(s, { type: 'caller_speech', nowMs: 100, speechMs: 280, interimWords: 0 }, P).actions).toEqual([]);
    const r = decideTurn(s, { type: 'caller_speech', nowMs: 100, speechMs: 300, interimWords: 0 }, P);
    expect(r.actions).toEqual([{ type: 'interrupt', turn: 1 }]);
    expect(r.state.phase).toBe('listening');
  });

  it('barges in on two interim words, but not one', () => {
    const s = speaking();
    expect(decideTurn(s, { type: 'caller_speech', nowMs: 100, speechMs: 40, interimWords: 1 }, P).actions).toEqual([]);
    expect(decideTurn(s, { type: 'caller_speech', nowMs: 100, speechMs: 40, interimWords: 2 }, P).actions).toEqual([{ type: 'interrupt', turn: 1 }]);
  });

  it('does not barge in once every mark has been echoed (nothing left to stop)', () => {
    const s = run([{ type: 'mark', turn: 1, nowMs: 50 }, { type: 'mark', turn: 1, nowMs: 60 }], speaking()).state;
    expect(decideTurn(s, { type: 'caller_speech', nowMs: 100, speechMs: 900, interimWords: 5 }, P).actions).toEqual([]);
  });

  it('ignores marks of an older turn', () => {
    const s = speaking();
    expect(decideTurn(s, { type: 'mark', turn: 0, nowMs: 5 }, P).state.unacked).toBe(2);
  });

  it('treats a one-word backchannel during playback as no turn, and a sentence as an interruption with an answer', () => {
    const s = speaking();
    expect(decideTurn(s, { type: 'caller_turn', nowMs: 10, text: 'mhm' }, P).actions).toEqual([]);
    expect(decideTurn(s, { type: 'caller_turn', nowMs: 10, text: 'wait stop please' }, P).actions).toEqual([
      { type: 'interrupt', turn: 1 }, { type: 'respond', turn: 2, userText: 'wait stop please' }
    ]);
  });

  it('asks once whether the caller is still there, then says goodbye and hangs up after it has played', () => {
    const idle = run([{ type: 'call_started', nowMs: 0 }, { type: 'reply_done', turn: 1, nowMs: 0, endsCall: false }]).state;
    const r1 = decideTurn(idle, { type: 'tick', nowMs: 10_000 }, P);
    expect(r1.actions).toEqual([{ type: 'say', turn: 2, line: 'reprompt' }]);
    const afterReprompt = run([{ type: 'reply_done', turn: 2, nowMs: 11_000, endsCall: false }], r1.state).state;
    const r2 = decideTurn(afterReprompt, { type: 'tick', nowMs: 21_000 }, P);
    expect(r2.actions).toEqual([{ type: 'say', turn: 3, line: 'goodbye_silence' }]);
    const r3 = run([{ type: 'audio_sent', turn: 3 }, { type: 'reply_done', turn: 3, nowMs: 21_100, endsCall: false }, { type: 'mark', turn: 3, nowMs: 23_000 }], r2.state);
    expect(r3.actions).toEqual([{ type: 'hangup', reason: 'silence_timeout' }]);
    expect(r3.state.phase).toBe('ended');
  });

  it('hangs up after the persona says goodbye', () => {
    const r = run([{ type: 'call_started', nowMs: 0 }, { type: 'audio_sent', turn: 1 }, { type: 'reply_done', turn: 1, nowMs: 100, endsCall: true }, { type: 'mark', turn: 1, nowMs: 900 }]);
    expect(r.actions.at(-1)).toEqual({ type: 'hangup', reason: 'persona_hung_up' });
  });

  it('asks for a wrap-up once at the budget warning, and at the cap cuts in with a goodbye and hangs up within 2 s', () => {
    const s = speaking();
    const w = run([{ type: 'budget_warning' }, { type: 'budget_warning' }], s);
    expect(w.actions).toEqual([{ type: 'instruct_wrap_up' }]);
    const cap = decideTurn(w.state, { type: 'budget_exhausted', nowMs: 5000 }, P);
    expect(cap.actions).toEqual([{ type: 'interrupt', turn: 1 }, { type: 'say', turn: 2, line: 'goodbye_budget' }]);
    expect(decideTurn(cap.state, { type: 'tick', nowMs: 6999 }, P).actions).toEqual([]);
    expect(decideTurn(cap.state, { type: 'tick', nowMs: 7000 }, P).actions).toEqual([{ type: 'hangup', reason: 'budget_exhausted' }]);
  });

  it('says once that about a minute is left, when the persona is not talking', () => {
    const listening = run([{ type: 'call_started', nowMs: 0 }, { type: 'reply_done', turn: 1, nowMs: 0, endsCall: false }]).state;
    expect(listening.phase).toBe('listening');
    const said = decideTurn(listening, { type: 'closing_soon', nowMs: 1000 }, P);
    expect(said.actions).toEqual([{ type: 'say', turn: 2, line: 'closing_soon' }]);
    // Said, heard, back to listening: never again.
    const heard = run([{ type: 'audio_sent', turn: 2 }, { type: 'reply_done', turn: 2, nowMs: 1500, endsCall: false }, { type: 'mark', turn: 2, nowMs: 3000 }], said.state);
    expect(heard.state.phase).toBe('listening');
    expect(decideTurn(heard.state, { type: 'closing_soon', nowMs: 4000 }, P).actions).toEqual([]);
    // While the persona talks it waits for the next check.
    expect(decideTurn(speaking(), { type: 'closing_soon', nowMs: 1000 }, P).actions).toEqual([]);
  });

  it('apologises and ends the call when a provider fails, ignoring caller turns while closing', () => {
    const r = decideTurn(speaking(), { type: 'provider_failed', nowMs: 100 }, P);
    expect(r.actions).toEqual([{ type: 'interrupt', turn: 1 }, { type: 'say', turn: 2, line: 'apology' }]);
    expect(decideTurn(r.state, { type: 'caller_turn', nowMs: 200, text: 'hello there' }, P).actions).toEqual([]);
    expect(decideTurn(r.state, { type: 'caller_speech', nowMs: 200, speechMs: 2000, interimWords: 4 }, P).actions).toEqual([]);
  });

  it('ends the call at the maximum duration', () => {
    const idle = run([{ type: 'call_started', nowMs: 0 }, { type: 'reply_done', turn: 1, nowMs: 0, endsCall: false }, { type: 'caller_speech', nowMs: 599_000, speechMs: 20, interimWords: 0 }]).state;
    expect(decideTurn(idle, { type: 'tick', nowMs: 600_000 }, P).actions).toEqual([{ type: 'say', turn: 2, line: 'goodbye_time' }]);
  });

  it('does nothing once the call has ended', () => {
    const ended = decideTurn(speaking(), { type: 'caller_hung_up' }, P).state;
    expect(decideTurn(ended, { type: 'caller_turn', nowMs: 1, text: 'hello there' }, P)).toEqual({ state: ended, actions: [] });
  });
});
