// What the LLM sees of the call: the persona's prompt with the relay's rules for speaking on the phone, then the
// turns so far (the persona's only as far as the caller heard them), and, near the budget, an order to wrap up.
import type { ChatMessage } from './provider_contracts.ts';

const RELAY_INSTRUCTIONS =
  'You are on a live phone call. Answer in one to three short spoken sentences, no lists, no emoji, no stage ' +
  'directions. When the conversation is over, say goodbye.';
const WRAP_UP = 'The call budget is nearly used: wrap up the call now and say goodbye in your next answer.';

export class LlmConversation {
  private readonly history: ChatMessage[] = [];
  private wrappingUp = false;
  private changes = 0;

  private readonly systemPrompt: string;

  constructor(systemPrompt: string) {
    this.systemPrompt = systemPrompt;
  }

  caller(text: string): void {
    this.history.push({ role: 'user', content: text });
    this.changes++;
  }

  persona(text: string): void {
    this.history.push({ role: 'assistant', content: text });
    this.changes++;
  }

  wrapUp(): void {
    if (!this.wrappingUp) this.changes++;
    this.wrappingUp = true;
  }

  /** Changes with every message added or instruction given: a reply prepared on an older version is stale. */
  get version(): number {
    return this.changes;
  }

  /** The messages the next request would carry once the caller has said `text`, without recording it. */
  messagesWithCaller(text: string): ChatMessage[] {
    const msgs = this.messages();
    const at = this.wrappingUp ? msgs.length - 1 : msgs.length;
    msgs.splice(at, 0, { role: 'user', content: text });
    return msgs;
  }

  /** The next LLM request's messages. */
  messages(): ChatMessage[] {
    const system: ChatMessage = { role: 'system', content: `${this.systemPrompt}\n\n${RELAY_INSTRUCTIONS}` };
    const msgs = [system, ...this.history];
    if (this.wrappingUp) msgs.push({ role: 'system', content: WRAP_UP });
    return msgs;
  }
}
