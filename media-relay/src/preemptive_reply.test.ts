import { describe, expect, it } from 'vitest';
import { PreemptiveReply, sameWords } from './preemptive_reply.ts';
import type { LanguageModel, LlmEvent } from './provider_contracts.ts';

/** A model whose answer arrives in two parts, the second when the test says so. */
function twoPart() {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let aborted = false;
  const llm: LanguageModel = {
    info: { service: 'openai', model: 'm' },
    async *stream({ signal }): AsyncIterable<LlmEvent> {
      signal.addEventListener('abort', () => (aborted = true));
      yield { type: 'text', delta: 'Sure, ' };
      await gate;
      if (signal.aborted) return;
      yield { type: 'text', delta: 'here it is.' };
      yield { type: 'usage', promptTokens: 50, completionTokens: 7 };
    }
  };
  return { llm, release, aborted: () => aborted };
}

const msgs = [{ role: 'user' as const, content: 'tell me a story please' }];

describe('preemptive reply', () => {
  it('compares transcripts as words', () => {
    expect(sameWords('Tell me a joke.', 'tell me  a joke')).toBe(true);
    expect(sameWords('tell me a joke', 'tell me a joke now')).toBe(false);
  });

  it('answers only the same words on the same conversation', () => {
    const r = new PreemptiveReply(twoPart().llm, msgs, 'tell me a story please', 3, () => 0);
    expect(r.answers('Tell me a story, please.', 3)).toBe(true);
    expect(r.answers('tell me a story please', 4)).toBe(false);
    expect(r.answers('tell me a song please', 3)).toBe(false);
    r.discard();
  });

  it('replays what arrived before adoption, then the rest as it comes', async () => {
    const m = twoPart();
    const r = new PreemptiveReply(m.llm, msgs, 'tell me a story please', 0, () => 0);
    await new Promise((res) => setImmediate(res));
    const got: LlmEvent[] = [];
    const reading = (async () => { for await (const e of r.adopt(new AbortController().signal)) got.push(e); })();
    await new Promise((res) => setImmediate(res));
    expect(got).toEqual([{ type: 'text', delta: 'Sure, ' }]);
    m.release();
    await reading;
    expect(got.map((e) => (e.type === 'text' ? e.delta : 'usage'))).toEqual(['Sure, ', 'here it is.', 'usage']);
  });

  it('on discard aborts the request and estimates the tokens it cost; reported ones once it finished', async () => {
    const m = twoPart();
    const r = new PreemptiveReply(m.llm, msgs, 'tell me a story please', 0, () => 0);
    await new Promise((res) => setImmediate(res));
    // 22 characters of prompt and 6 of answer, at about four a token.
    expect(r.discard()).toEqual({ promptTokens: 6, completionTokens: 2, reported: false });
    expect(m.aborted()).toBe(true);

    const done = twoPart();
    done.release();
    const finished = new PreemptiveReply(done.llm, msgs, 'tell me a story please', 0, () => 0);
    for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res));
    expect(finished.discard()).toEqual({ promptTokens: 50, completionTokens: 7, reported: true });
  });
});
