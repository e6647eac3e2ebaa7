// The scripted "model" behind the OpenAI-compatible stand-in. It is deterministic: the same conversation always
// gets the same answer, so tests and demos are repeatable. It reads who it is from the system prompt, what the
// caller just said from the last user message, and answers in character in one to three short sentences.
// What the user customised shows, so a demo call proves it arrived: the persona greets them by their nickname,
// opens with the scenario's opening line, a persona they created says who it is in their words, says back the gist of their request for this call and, in its first
// answer, of what they told it to keep in mind.
import { gist, readPrompt, type PromptFacts } from './prompt_reader.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

export interface PersonaReply {
  text: string;
  /** The reply says goodbye: the conversation is over from the persona's side. */
  endsCall: boolean;
}

type Scenario = 'wake_up' | 'bad_date' | 'interview' | 'reminder' | 'pep_talk' | 'chat';

const SCENARIO_PATTERNS: [Scenario, RegExp][] = [
  ['wake_up', /wake[- ]?up|alarm|morning call/i],
  ['bad_date', /bad date|escape|emergency excuse|rescue/i],
  ['interview', /interview/i],
  ['reminder', /remind/i],
  ['pep_talk', /pep talk|motivat|encourag|confidence/i]
];

const OPENERS: Record<Scenario, string> = {
  wake_up: 'Rise and shine! This is your wake-up call.',
  bad_date: 'Hey, sorry to interrupt, but something urgent came up and I need you right away.',
  interview: 'Thanks for making time for this practice interview. Tell me a little about yourself.',
  reminder: 'I am calling with the reminder you asked for.',
  pep_talk: 'I just wanted to tell you that you have got this.',
  chat: 'I thought I would give you a call and see how you are doing.'
};

const FOLLOW_UPS: Record<Scenario, string[]> = {
  wake_up: ['Are you up yet?', 'Time to get out of bed.', 'What is first on your plan today?'],
  bad_date: ['Can you leave now?', 'I really need you to come.', 'How soon can you get away?'],
  interview: ['What is your greatest strength?', 'Tell me about a challenge you solved.', 'Why do you want this role?'],
  reminder: ['Do you want me to go over it again?', 'Is there anything else to remember?', 'Will you take care of it today?'],
  pep_talk: ['What is the one thing you will do next?', 'You have prepared for this.', 'Tell me what you are proud of.'],
  chat: ['What have you been up to?', 'Tell me more.', 'How was your day?']
};

const GOODBYE_INTENT = /\b(good ?bye|bye|see you|talk (to you )?later|hang(ing)? up|have to go|got to go|gotta go|that'?s all)\b/i;
const WRAP_UP = /\bwrap(ping)? up\b|\bsay goodbye\b|\bend the call\b/i;

/** The scenario's manner, from the scenario the prompt names, else from anything the prompt says. */
function scenarioOf(facts: PromptFacts, system: string): Scenario {
  const text = facts.scenario ?? system;
  for (const [s, re] of SCENARIO_PATTERNS) if (re.test(text)) return s;
  return 'chat';
}

/** The first line: greeting (with the nickname), the scenario's opening, and the request for this call. */
function opener(facts: PromptFacts, name: string, scenario: Scenario): string {
  const greeting = facts.nickname ? `Hi ${facts.nickname}, it is ${name}.` : `Hi, it is ${name}.`;
  const parts = [greeting, facts.openingLine ?? OPENERS[scenario]];
  const self = selfIntroduction(facts);
  if (self) parts.push(self);
  if (facts.callRequest) parts.push(`You asked me to call about this: ${gist(facts.callRequest)}`);
  else if (facts.customPrompt) parts.push(remembered(facts.customPrompt));
  return parts.join(' ');
}

/** A persona the user created says who it is in their words, so a demo call shows the description arrived. */
function selfIntroduction(facts: PromptFacts): string | null {
  if (facts.ownPersona) {
    const who = gist(facts.ownPersona);
    // "A retired astronaut…" reads on after the colon as "a retired astronaut…"; a name or "I…" keeps its capital.
    return `As you made me: ${/^(A|An|The) /.test(who) ? who.charAt(0).toLowerCase() + who.slice(1) : who}`;
  }
  return facts.ownTraits.length > 0 ? `As you made me: ${facts.ownTraits.join(', ')}.` : null;
}

const remembered = (customPrompt: string) => `I remember what you told me: ${gist(customPrompt)}`;

/** Answers to what the caller said, by rough intent; `null` when nothing specific matched. */
function answerTo(words: string, name: string, scenario: Scenario): string | null {
  const w = words.toLowerCase();
  if (/\bwho (is|are) (this|you)\b|\bwho'?s (this|calling)\b/.test(w)) return `It is ${name}, calling like you asked.`;
  if (/\bhow are you\b|\bhow'?s it going\b/.test(w)) return 'I am doing great, thanks for asking.';
  if (/\bwhat time\b/.test(w)) return scenario === 'wake_up' ? 'It is time to get up.' : 'It is the time you asked me to call.';
  if (/\bjoke\b/.test(w)) return 'Why did the phone wear glasses? It lost its contacts.';
  if (/\b(thank you|thanks)\b/.test(w)) return 'You are very welcome.';
  if (/\b(hello|hi|hey)\b/.test(w)) return `Hi, it is ${name}.`;
  if (/\b(yes|yeah|sure|okay|ok)\b/.test(w)) return 'Great.';
  if (/\b(no|nope|not really)\b/.test(w)) return 'That is all right.';
  if (/\b(doing well|good|great|fine)\b/.test(w)) return 'I am glad to hear that.';
  return null;
}

/** The persona's next line for a conversation (messages in OpenAI chat order). */
export function personaReply(messages: readonly ChatMessage[]): PersonaReply {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
  const facts = readPrompt(system);
  const name = facts.personaName ?? 'your assistant';
  const scenario = scenarioOf(facts, system);
  const userTurns = messages.filter((m) => m.role === 'user');
  // What the caller said since the persona last spoke ('' when the persona spoke last).
  const roles = messages.map((m) => m.role);
  const lastUserIndex = roles.lastIndexOf('user');
  const lastUser = lastUserIndex > roles.lastIndexOf('assistant') ? messages[lastUserIndex]!.content.trim() : '';
  // A wrap-up instruction is a system message added during the call, after the conversation began.
  const lastSystemIndex = messages.map((m) => m.role).lastIndexOf('system');
  const wrapUp = lastSystemIndex > 0 && WRAP_UP.test(messages[lastSystemIndex]!.content);

  if (userTurns.length === 0 && !messages.some((m) => m.role === 'assistant')) {
    return { text: opener(facts, name, scenario), endsCall: false };
  }
  if (GOODBYE_INTENT.test(lastUser)) {
    return { text: `Okay, it was lovely talking to you. Goodbye!`, endsCall: true };
  }
  if (wrapUp) {
    const answer = answerTo(lastUser, name, scenario);
    return { text: `${answer ? answer + ' ' : ''}I have to let you go now. Take care, goodbye!`, endsCall: true };
  }
  if (lastUser === '') {
    return { text: 'Are you still there?', endsCall: false };
  }
  const answer = answerTo(lastUser, name, scenario);
  const followUps = FOLLOW_UPS[scenario];
  // The first answer after an opener that spoke of this call's request recalls the standing wishes instead.
  const followUp = userTurns.length === 1 && facts.callRequest && facts.customPrompt
    ? remembered(facts.customPrompt)
    : followUps[userTurns.length % followUps.length]!;
  if (answer) return { text: `${answer} ${followUp}`, endsCall: false };
  const echo = lastUser.split(/\s+/).slice(0, 6).join(' ').replace(/[.?!,]+$/, '');
  return { text: `You said ${echo}. ${followUp}`, endsCall: false };
}

/** Splits a reply into stream tokens the way a tokenizer roughly would: words with their leading space. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** A stable, rough token count (about four characters per token), enough for usage reporting. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
