// What the scripted persona can learn from the system prompt it is sent, read from the text alone, the way a model
// would: the stand-in knows the prompt's wording (media-relay/src/system_prompt.ts), never the database. Every field
// is optional: a prompt that lacks a part (or a hand-written test prompt) simply leaves it out.

export interface PromptFacts {
  /** The persona's name ("Persona: Brad." or "You are Brad"). */
  personaName: string | null;
  /** What the user wants to be called ('Call the user "Champ".'). */
  nickname: string | null;
  /** The first line the scenario asks for, built-in or written by the user. */
  openingLine: string | null;
  /** The scenario's name and instructions, for picking the persona's manner. */
  scenario: string | null;
  /** The user's standing wishes for this persona (their custom prompt). */
  customPrompt: string | null;
  /** What the user asked of this one call. */
  callRequest: string | null;
  /** For a persona the user created: who it is, in their words (without the traits line). */
  ownPersona: string | null;
  /** For a persona the user created: its traits. */
  ownTraits: string[];
}

// The labels composeSystemPrompt gives each quote of user text.
const QUOTE_LABELS = {
  ownPersona: 'the persona they created',
  customPrompt: 'how they want this persona to be',
  callRequest: 'their request for this call',
  userScenario: 'the scenario they wrote for this call'
} as const;

/** The quoted user texts by label: "BEGIN USER TEXT <tag> (<label>, ...)", lines "| ...", "END USER TEXT <tag>". */
function quotes(system: string): Map<string, string> {
  const found = new Map<string, string>();
  const re = /^BEGIN USER TEXT (\S+) \(([^,)]+)[^\n]*\n((?:\| ?[^\n]*\n)*)END USER TEXT \1$/gm;
  for (const m of system.matchAll(re)) {
    const body = m[3]!.split('\n').filter((l) => l.startsWith('|')).map((l) => l.replace(/^\| ?/, '')).join('\n').trim();
    if (body) found.set(m[2]!.trim(), body);
  }
  return found;
}

/** The prompt outside any quote of user text, where only the service's own lines are. */
function unquoted(system: string): string {
  return system.split('\n').filter((l) => !l.startsWith('|')).join('\n');
}

export function readPrompt(system: string): PromptFacts {
  const own = unquoted(system);
  const quoted = quotes(system);
  const userScenario = quoted.get(QUOTE_LABELS.userScenario) ?? null;

  const name = /^Persona: ([^.\n]+)\./m.exec(own)?.[1] ?? /\b(?:[Yy]ou are|[Yy]our name is|I am|[Tt]his is)\s+([A-Z][a-z]+)/.exec(own)?.[1] ?? null;
  const nickname = /^- Call the user "([^"\n]+)"\./m.exec(own)?.[1] ?? null;
  const builtInOpening = /^Open the call with something like: "(.+)"$/m.exec(own)?.[1] ?? null;
  const userOpening = userScenario ? [...userScenario.matchAll(/^Opening: (.+)$/gm)].at(-1)?.[1] ?? null : null;
  const builtInScenario = /^Scenario: (.+)$/m.exec(own)?.[1] ?? null;
  const ownPersona = quoted.get(QUOTE_LABELS.ownPersona) ?? null;
  const traitsLine = ownPersona ? /^Traits: (.+)$/m.exec(ownPersona)?.[1] ?? null : null;
  const description = ownPersona?.split('\n').filter((l) => !l.startsWith('Traits: ')).join('\n').trim() ?? '';

  return {
    personaName: name?.trim() || null,
    nickname: nickname?.trim() || null,
    openingLine: (builtInOpening ?? userOpening)?.trim() || null,
    scenario: builtInScenario ?? userScenario,
    customPrompt: quoted.get(QUOTE_LABELS.customPrompt) ?? null,
    callRequest: quoted.get(QUOTE_LABELS.callRequest) ?? null,
    ownPersona: description || null,
    ownTraits: traitsLine ? traitsLine.split(',').map((t) => t.trim()).filter(Boolean) : []
  };
}

/** The gist of a user's text to say back: its first sentence, at most `words` words, ending in a full stop. */
export function gist(text: string, words = 14): string {
  const first = text.replace(/\s+/g, ' ').trim().split(/(?<=[.!?])\s/)[0] ?? '';
  const cut = first.split(' ').slice(0, words).join(' ').replace(/[\s.,;:!?…-]+$/, '');
  return cut ? `${cut.charAt(0).toUpperCase()}${cut.slice(1)}.` : '';
}
