import { describe, expect, it } from 'vitest';
import { renderComponent } from './render_ssr.ts';
import { avatarDesign, hash32 } from './persona_avatar.ts';

const SLUGS = ['brad', 'sarah', 'alex', 'maya', 'oliver', 'grace', 'marcus'];

describe('persona avatars', () => {
  it('are the same for the same persona, every time', () => {
    expect(avatarDesign('brad')).toEqual(avatarDesign('brad'));
    expect(hash32('brad')).toBe(hash32('brad'));
  });

  it('differ between the seeded personas, in colour', () => {
    const backgrounds = new Set(SLUGS.map((s) => avatarDesign(s).background[0]));
    expect(backgrounds.size).toBe(SLUGS.length);
  });

  it('keep their shapes on the canvas', () => {
    for (const slug of SLUGS) {
      for (const s of avatarDesign(slug).shapes) {
        const xs = s.kind === 'circle' ? [s.cx - s.r, s.cx + s.r] : s.kind === 'square' ? [s.x, s.x + s.size] : s.points.split(' ').map((p) => Number(p.split(',')[0]));
        for (const x of xs) expect(x).toBeGreaterThanOrEqual(0), expect(x).toBeLessThanOrEqual(64);
      }
    }
  });

  it('render as a named image for screen readers', async () => {
    const html = await renderComponent('PersonaAvatar.svelte', { name: 'Brad', slug: 'brad' });
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-label="Avatar of Brad"/);
    expect(html.match(/<(circle|rect|polygon) /g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).toBe(await renderComponent('PersonaAvatar.svelte', { name: 'Brad', slug: 'brad' }));
  });
});
