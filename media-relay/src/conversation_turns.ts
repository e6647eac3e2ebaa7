// Stage: voice activity and turn-taking. Turns what happens on the line (caller voice activity, recognised words,
// our audio going out and its marks coming back, the clock) into events for the turn-taking policy
// (turn_taking.ts), and hands the policy's actions to the session, whose other stages carry them out.
import { VoiceActivity } from './voice_activity.ts';
import { decideTurn, initialTurnState, type TurnAction, type TurnEvent, type TurnPolicy, type TurnState } from './turn_taking.ts';

export class ConversationTurns {
  private state: TurnState = initialTurnState(0);
  private readonly voice = new VoiceActivity();
  /** Words in the recogniser's latest interim text: a barge-in can be words as well as loudness. */
  private interimWords = 0;

  private readonly policy: TurnPolicy;
  private readonly perform: (a: TurnAction) => void;

  constructor(policy: TurnPolicy, perform: (a: TurnAction) => void) {
    this.policy = policy;
    this.perform = perform;
  }

  dispatch(e: TurnEvent): void {
    const { state, actions } = decideTurn(this.state, e, this.policy);
    this.state = state;
    for (const a of actions) this.perform(a);
  }

  callerAudio(mulaw: Uint8Array, nowMs: number): void {
    const speechMs = this.voice.frame(mulaw, nowMs);
    // Also while listening: someone talking at length is not silence, whatever the recogniser makes of it.
    if (speechMs !== null) this.dispatch({ type: 'caller_speech', nowMs, speechMs, interimWords: this.interimWords });
  }

  callerInterim(text: string, nowMs: number): void {
    this.interimWords = text.split(/\s+/).filter(Boolean).length;
    if (this.state.phase === 'responding') {
      this.dispatch({ type: 'caller_speech', nowMs, speechMs: this.voice.speakingMs, interimWords: this.interimWords });
    }
  }

  /** When the caller last spoke (their last loud frame), or `fallbackMs` if they never did. */
  lastSpeechAt(fallbackMs: number): number {
    return this.voice.lastSpeechAtMs ?? fallbackMs;
  }

  /** The recogniser ended the caller's turn at `endMs`: returns when that turn started. Then dispatch `caller_turn`. */
  endCallerTurn(endMs: number): number {
    this.interimWords = 0;
    return this.voice.takeTurnStart(endMs);
  }

  get phase(): TurnState['phase'] {
    return this.state.phase;
  }
}
