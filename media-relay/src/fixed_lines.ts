// What the persona says without asking the LLM: turn-taking's re-prompt and closing lines.
import type { TurnAction } from './turn_taking.ts';

export type FixedLine = Extract<TurnAction, { type: 'say' }>['line'];

export const FIXED_LINES: Record<FixedLine, string> = {
  reprompt: 'Are you still there?',
  closing_soon: 'We have about a minute left, so let us start wrapping up.',
  goodbye_silence: 'I will let you go for now. Goodbye!',
  goodbye_time: 'We are out of time for this call. Goodbye!',
  goodbye_budget: 'That is our time for today. Goodbye!',
  apology: 'Sorry, I am having trouble on my end, so I will have to call you back later. Goodbye!'
};
