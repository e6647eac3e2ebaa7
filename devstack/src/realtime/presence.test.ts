import { describe, expect, it } from 'vitest';
import { TopicPresence } from './presence.ts';

describe('TopicPresence', () => {
  it('reports joins and leaves as Phoenix.Presence diffs and keeps the state', () => {
    const p = new TopicPresence();
    const a = {};
    const b = {};
    const joinA = p.track(a, 'ann', { mood: 'calm' });
    expect(joinA?.leaves).toEqual({});
    expect(joinA?.joins.ann?.metas[0]).toMatchObject({ mood: 'calm', phx_ref: expect.any(String) });
    p.track(b, 'ann', { mood: 'second tab' });
    expect(p.state().ann?.metas.map((m) => m.mood)).toEqual(['calm', 'second tab']);
    const leave = p.untrack(a);
    expect(leave).toEqual({ joins: {}, leaves: { ann: { metas: [joinA!.joins.ann!.metas[0]] } } });
    expect(p.untrack(a)).toBeNull();
    expect(p.size).toBe(1);
  });

  it('ignores an identical re-track and turns a changed one into leave + join', () => {
    const p = new TopicPresence();
    const a = {};
    const first = p.track(a, 'k', { n: 1 });
    expect(p.track(a, 'k', { n: 1 })).toBeNull();
    const changed = p.track(a, 'k', { n: 2 });
    expect(changed?.leaves.k?.metas[0]?.phx_ref).toBe(first?.joins.k?.metas[0]?.phx_ref);
    expect(changed?.joins.k?.metas[0]).toMatchObject({ n: 2, phx_ref_prev: first?.joins.k?.metas[0]?.phx_ref });
    expect(p.state()).toEqual({ k: { metas: [changed!.joins.k!.metas[0]] } });
  });
});
