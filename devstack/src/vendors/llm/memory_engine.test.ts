import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSummaryReply, summaryRequest } from '../../../../core/src/call_summary.ts';
import { composeSystemPrompt } from '../../../../media-relay/src/system_prompt.ts';
import { factsIn, rememberedName, summaryReply, withMemory } from './memory_engine.ts';
import { personaReply } from './persona_engine.ts';
import { startLlmStandIn, type StandIn } from './server.ts';

const CALL = [
  { speaker: 'persona' as const, text: 'Hi, it is Brad. I thought I would give you a call and see how you are doing.' },
  { speaker: 'user' as const, text: 'hello who is this' },
  { speaker: 'persona' as const, text: 'It is Brad, calling like you asked.' },
  // What the speech-to-text stand-in hears: lower case, no punctuation.
  { speaker: 'user' as const, text: 'my sister is called ana' }
];

describe('the stand-in summariser', () => {
  it('finds the facts in what the user said', () => {
    expect(factsIn(['my sister is called ana', 'My dog is named Rex and my name is Dana.', 'I work as a nurse.', 'my sister is called ana'])).toEqual([
      'sister: Ana', 'dog: Rex', 'name: Dana', 'job: nurse'
    ]);
    expect(factsIn(['my sister is tired', 'hello who is this'])).toEqual([]);
  });

  it('answers the relay\'s summary request with a summary and the facts, in the form the relay reads', () => {
    const reply = summaryReply(summaryRequest('Brad', CALL, 'abc'));
    expect(reply?.text).toBe('SUMMARY: Brad and the user talked on the phone. The user said: "hello who is this". They mentioned sister: Ana.\nFACT: sister: Ana');
    expect(parseSummaryReply(reply!.text)).toEqual({
      summary: 'Brad and the user talked on the phone. The user said: "hello who is this". They mentioned sister: Ana.', facts: ['sister: Ana']
    });
    expect(summaryReply([{ role: 'system', content: 'You are Brad.' }])).toBeNull();
  });
});

describe('the stand-in persona with memories', () => {
  const prompt = (facts: string[]) => composeSystemPrompt({
    personaPrompt: 'You are Brad, an upbeat friend.', personaName: 'Brad', relationshipType: null, nickname: null, customPrompt: null,
    scenarioName: null, scenarioPrompt: null, openingLine: null, scenarioByUser: false, callInstructions: null, userFirstName: null,
    timezone: 'UTC', now: new Date('2026-12-18T10:00:00Z'), memories: { facts, summaries: [{ text: 'They talked.', at: new Date('2026-12-17T10:00:00Z') }] }
  });

  it('asks after the person the newest remembered fact names, in its greeting only', () => {
    const system = { role: 'system' as const, content: prompt(['sister: Ana', 'job: nurse']) };
    expect(rememberedName(system.content)).toBe('Ana');
    expect(withMemory([system], personaReply([system])).text).toBe(`${personaReply([system]).text} How is Ana?`);
    const later = [system, { role: 'assistant' as const, content: 'Hi.' }, { role: 'user' as const, content: 'hello' }];
    expect(withMemory(later, personaReply(later))).toEqual(personaReply(later));
  });

  it('mentions nobody when no fact names a person', () => {
    const system = { role: 'system' as const, content: prompt(['job: nurse']) };
    expect(withMemory([system], personaReply([system]))).toEqual(personaReply([system]));
  });
});

describe('the LLM stand-in over HTTP', () => {
  let llm: StandIn;
  beforeAll(async () => { llm = await startLlmStandIn({ apiKey: 'k' }); });
  afterAll(() => llm.close());

  it('summarises when asked by the relay\'s request', async () => {
    const res = await fetch(`${llm.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ model: 'gpt-oss-120b', messages: summaryRequest('Brad', CALL, 'abc'), max_completion_tokens: 512 })
    });
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(parseSummaryReply(body.choices[0]!.message.content)?.facts).toEqual(['sister: Ana']);
  });
});
