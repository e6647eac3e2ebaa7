import { describe, expect, it } from 'vitest';
import { InMemoryCallStore } from './call_store.ts';
import { INTERIM_EVERY_MS, TranscriptSink } from './transcript_sink.ts';

function sink(store = new InMemoryCallStore()) {
  let clock = 0;
  const broadcasts: string[] = [];
  const logs: string[] = [];
  store.broadcastInterim = async (_callId, { speaker, text }) => { broadcasts.push(`${speaker}:${text}`); };
  const s = new TranscriptSink({ callId: 'c1', store, metrics: { error: () => undefined }, log: (msg) => logs.push(msg), elapsed: () => clock });
  return { s, store, broadcasts, logs, at: (ms: number) => (clock = ms) };
}

describe('transcript sink', () => {
  it('numbers final segments in order, in whole ms, never ending before they start', async () => {
    const { s, store } = sink();
    s.final('user', 'hello', 100.4, 900.6, false);
    s.final('persona', 'hi there', 1200, 1100, true);
    await s.flush();
    expect(store.transcript.map((t) => [t.seq, t.speaker, t.text, t.startMs, t.endMs, t.interrupted])).toEqual([
      [0, 'user', 'hello', 100, 901, false], [1, 'persona', 'hi there', 1200, 1200, true]
    ]);
  });

  it('broadcasts the caller\'s interim words at most every 250 ms, and every sentence of the persona', () => {
    const { s, broadcasts, at } = sink();
    s.interim('user', 'I');
    at(INTERIM_EVERY_MS - 1);
    s.interim('user', 'I think');
    s.interim('persona', 'Sure.');
    s.interim('persona', 'Sure. Here it is.');
    at(2 * INTERIM_EVERY_MS - 1);
    s.interim('user', 'I think so');
    expect(broadcasts).toEqual(['user:I', 'persona:Sure.', 'persona:Sure. Here it is.', 'user:I think so']);
  });

  it('keeps segments a failed write did not store for the next flush', async () => {
    const store = new InMemoryCallStore();
    const save = store.saveTranscript.bind(store);
    let failing = true;
    store.saveTranscript = async (segments) => { if (failing) throw new Error('database down'); return save(segments); };
    const { s, logs } = sink(store);
    s.final('user', 'one', 0, 1, false);
    await s.flush();
    s.final('user', 'two', 2, 3, false);
    failing = false;
    await s.flush();
    expect(logs).toEqual(['relay.transcript.flush_failed']);
    expect(store.transcript.map((t) => [t.seq, t.text])).toEqual([[0, 'one'], [1, 'two']]);
  });
});
