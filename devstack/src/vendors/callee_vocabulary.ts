// What the simulated callees were lately scripted to say (PUT /devstack/scripts on the Twilio stand-in), for the
// speech-to-text stand-in to spot: offline recognition of synthetic telephone audio is poor, and a real recogniser
// would hear these lines. The Twilio and AI stand-ins run in one devstack process; this is what they share. Bounded
// to the newest lines, so spotting stays fast and a line from long ago cannot be mistaken for a new one.

const MAX_LINES = 32;
const lines = new Set<string>();

export function rememberCalleeLines(texts: readonly unknown[]): void {
  for (const t of texts) {
    if (typeof t !== 'string' || !t.trim()) continue;
    lines.delete(t);
    lines.add(t);
  }
  while (lines.size > MAX_LINES) lines.delete(lines.values().next().value!);
}

export function scriptedCalleeLines(): string[] {
  return [...lines];
}
