// The LLM stand-in's side of persona memory, deterministic so tests can be exact. It answers the relay's post-call
// summary request (core/src/call_summary.ts) with a fixed-form summary and the facts it finds in what the user said
// ("my sister is called Ana" -> "sister: Ana"); and when a call's system prompt carries remembered facts, the
// persona's greeting asks after the person the newest one names ("How is Ana?").
import { formatSummaryReply, isSummaryRequest, userTurnsOfSummaryRequest } from '../../../../core/src/call_summary.ts';
import type { ChatMessage, PersonaReply } from './persona_engine.ts';

const RELATIONS = [
  'sister', 'brother', 'mother', 'mom', 'mum', 'father', 'dad', 'wife', 'husband', 'partner', 'son', 'daughter',
  'friend', 'best friend', 'boss', 'girlfriend', 'boyfriend', 'grandmother', 'grandma', 'grandfather', 'grandpa',
  'aunt', 'uncle', 'cousin', 'neighbour', 'neighbor', 'colleague', 'dog', 'cat'
].join('|');
const NAME = "([a-z][a-z'-]*)";
const FACT_PATTERNS: [RegExp, (m: RegExpExecArray) => string][] = [
  [new RegExp(`\\bmy (${RELATIONS})(?:'s name is| is called| is named| named| called) ${NAME}`, 'gi'), (m) => `${m[1]!.toLowerCase()}: ${capitalised(m[2]!)}`],
  [new RegExp(`\\bmy name is ${NAME}`, 'gi'), (m) => `name: ${capitalised(m[1]!)}`],
  [/\bi work as an? ([a-z][a-z -]{1,30}?)(?=[.,!?]|$)/gi, (m) => `job: ${m[1]!.toLowerCase()}`]
];

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

/** The facts in what the user said, in order, each once. */
export function factsIn(userTurns: readonly string[]): string[] {
  const facts: string[] = [];
  for (const turn of userTurns) {
    for (const [re, fact] of FACT_PATTERNS) {
      for (const m of turn.matchAll(re)) {
        const f = fact(m as RegExpExecArray);
        if (!facts.includes(f)) facts.push(f);
      }
    }
  }
  return facts;
}

/** The answer to a summary request, or null when the request is not one. */
export function summaryReply(messages: readonly ChatMessage[]): PersonaReply | null {
  if (!isSummaryRequest(messages)) return null;
  const persona = /\bYou are ([A-Z][\w-]*)'s memory\b/.exec(messages[0]!.content)?.[1] ?? 'The persona';
  const userTurns = userTurnsOfSummaryRequest(messages);
  const facts = factsIn(userTurns);
  const first = (userTurns[0] ?? '').slice(0, 80).replace(/[.?!,\s]+$/, '');
  const summary = [
    `${persona} and the user talked on the phone.`,
    first ? `The user said: "${first}".` : 'The user said little.',
    facts.length ? `They mentioned ${facts.join(', ')}.` : ''
  ].filter(Boolean).join(' ');
  return { text: formatSummaryReply({ summary, facts }), endsCall: false };
}

/** The person the newest remembered fact names ("| Fact: sister: Ana" -> "Ana"), if any. */
export function rememberedName(system: string): string | null {
  return /^\| Fact: [^:\n]+: ([A-Z][a-z'-]+)\s*$/m.exec(system)?.[1] ?? null;
}

/** The persona's greeting asks after someone the user told it about on an earlier call; other replies are unchanged. */
export function withMemory(messages: readonly ChatMessage[], reply: PersonaReply): PersonaReply {
  const greeting = !messages.some((m) => m.role === 'user' || m.role === 'assistant');
  const name = greeting ? rememberedName(messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n')) : null;
  return name ? { ...reply, text: `${reply.text} How is ${name}?` } : reply;
}
