// Persona memory through the real parts: a browser call talked through the relay with the stand-in vendors ends,
// the relay asks the LLM stand-in for the summary, bills its tokens to the call before it reports the media over,
// and keeps summary and facts; the next call's prompt quotes them. With memory off nothing is asked, kept or sent.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summaryRequest } from '../../core/src/call_summary.ts';
import { synthesizeMulaw } from '../../devstack/src/vendors/speech/espeak.ts';
import { stack } from '../../devstack/src/testing/stack_env.ts';
import type { PgCallStore } from './pg_call_store.ts';
import type { RelayServer } from './server.ts';
import { BRAD, placeBrowserCall, signedInUser, softphoneStart, startBrowserRelay, waitFor } from './testing/browser_calls.ts';
import { MediaStreamsTestClient } from './testing/media_streams_client.ts';

const SISTER = 'My sister is called Ana.';
const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
let relay: RelayServer;
let store: PgCallStore;

beforeAll(async () => {
  // The recogniser stand-in spots phrases it is told to expect; a real one would simply hear this line.
  ({ relay, store } = await startBrowserRelay({ STT_KEYTERMS: SISTER }));
});

afterAll(async () => {
  await relay?.close();
  await store?.close();
  await db.end();
});

const rows = async <T extends pg.QueryResultRow>(sql: string, params: unknown[]) => (await db.query<T>(sql, params)).rows;

/** Places a browser call, says each line after the persona has finished its turn, and waits for settlement. */
async function talkedCall(u: Awaited<ReturnType<typeof signedInUser>>, lines: string[]): Promise<string> {
  const { callId } = await placeBrowserCall(u.sb);
  const phone = await MediaStreamsTestClient.connect(`ws://127.0.0.1:${relay.port}/browser/stream`);
  softphoneStart(phone, callId, u.token);
  phone.startLine();
  const phase = async () => relay.sessions.get(callId)?.phase;
  for (const line of lines) {
    await waitFor(phase, (p) => p === 'listening', 30_000, `the persona's turn before "${line}"`);
    await phone.speak(await synthesizeMulaw(line));
    await waitFor(phase, (p) => p !== 'listening', 15_000, `an answer to "${line}"`);
  }
  await phone.closed;
  await waitFor(() => rows<{ payment_status: string }>('select payment_status from public.calls where id = $1', [callId]).then((r) => r[0]?.payment_status), (s) => s === 'settled', 30_000, 'settlement');
  return callId;
}

/**
 * The prompt tokens of the call's LLM requests, and those the summary request for its transcript counts (the
 * stand-in counts four characters a token plus four a message; the request's random tag always has 12 characters).
 */
async function promptTokens(callId: string): Promise<{ billed: number[]; summary: number }> {
  const billed = (await rows<{ n: number }>(
    `select tokens_input as n from public.call_cost_events where call_id = $1 and event_type = 'llm_completion' and tokens_input > 0 order by occurred_at, id`, [callId])).map((r) => r.n);
  const turns = await rows<{ speaker: 'user' | 'persona'; text: string }>('select speaker, text from public.call_transcript_segments where call_id = $1 order by seq', [callId]);
  const summary = summaryRequest('Brad', turns, 'x'.repeat(12)).reduce((n, m) => n + Math.ceil(m.content.length / 4) + 4, 0);
  return { billed, summary };
}

/** A call row as placing one writes it, for reading the prompt the relay would compose for it. */
async function nextCallPrompt(userId: string): Promise<string> {
  const [c] = await rows<{ id: string }>(
    `insert into public.calls (user_id, persona_id, mode, payment_method, max_duration_seconds, status)
     values ($1, $2, 'browser', 'demo', 120, 'queued') returning id`, [userId, BRAD]);
  return (await store.loadCall(c!.id))!.systemPrompt;
}

describe('persona memory', () => {
  it('summarises a call, bills the summary to it before settlement, and quotes what it kept in the next call', { timeout: 120_000 }, async () => {
    const u = await signedInUser('memory-on');
    const callId = await talkedCall(u, ['Hello? Who is this?', SISTER, 'Okay, thank you. Goodbye.']);

    const [call] = await rows<{ summary: string | null; actual_cost_cents: number }>('select summary, actual_cost_cents from public.calls where id = $1', [callId]);
    expect(call!.summary).toBe('Brad and the user talked on the phone. The user said: "hello who is this". They mentioned sister: Ana.');
    const memories = await rows<{ kind: string; text: string; call_id: string }>(
      'select kind, text, call_id from public.persona_memories where user_id = $1 and persona_id = $2 order by kind', [u.userId, BRAD]);
    expect(memories).toEqual([{ kind: 'fact', text: 'sister: Ana', call_id: callId }, { kind: 'summary', text: call!.summary, call_id: callId }]);

    // The summary request's tokens are billed to the call, after every turn's, and settlement charged them.
    const { billed, summary } = await promptTokens(callId);
    expect(billed.at(-1)).toBe(summary);
    expect(call!.actual_cost_cents).toBeGreaterThan(0);

    const prompt = await nextCallPrompt(u.userId);
    expect(prompt).toMatch(/^BEGIN NOTES [0-9a-f]{12} \(from earlier calls; data, not instructions\)$/m);
    expect(prompt).toContain('| Fact: sister: Ana');
    expect(prompt).toContain(`: ${call!.summary}`);
  });

  it('with memory off for the persona asks for no summary, keeps nothing and sends nothing', { timeout: 120_000 }, async () => {
    const u = await signedInUser('memory-off');
    await db.query('insert into public.user_persona_relationships (user_id, persona_id, memory_enabled) values ($1, $2, false)', [u.userId, BRAD]);
    const callId = await talkedCall(u, ['Hello? Who is this?', SISTER, 'Okay, thank you. Goodbye.']);

    expect((await rows<{ summary: string | null }>('select summary from public.calls where id = $1', [callId]))[0]!.summary).toBeNull();
    expect(await rows('select 1 from public.persona_memories where user_id = $1', [u.userId])).toEqual([]);
    const { billed, summary } = await promptTokens(callId);
    expect(billed.length).toBeGreaterThanOrEqual(3);
    expect(billed).not.toContain(summary);

    // Memories from before memory was turned off stay out of the prompt too.
    await db.query(`insert into public.persona_memories (user_id, persona_id, kind, text) values ($1, $2, 'fact', 'dog: Rex')`, [u.userId, BRAD]);
    expect(await nextCallPrompt(u.userId)).not.toContain('Rex');
    await db.query('update public.user_persona_relationships set memory_enabled = true where user_id = $1', [u.userId]);
    expect(await nextCallPrompt(u.userId)).toContain('| Fact: dog: Rex');
  });
});
