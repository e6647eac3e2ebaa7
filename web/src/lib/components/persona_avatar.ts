// A persona's picture, drawn from its slug: the same persona always gets the same shapes and colours, and personas
// look different from one another without anyone drawing them.

export type AvatarShape =
  | { kind: 'circle'; cx: number; cy: number; r: number; fill: string }
  | { kind: 'square'; x: number; y: number; size: number; rotate: number; fill: string }
  | { kind: 'triangle'; points: string; fill: string };

export interface AvatarDesign {
  background: [string, string];
  shapes: AvatarShape[];
}

/** 32-bit FNV-1a: small, stable across runtimes, and spreads short strings well. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Deterministic numbers in [0, 1) for one seed: the hash of the seed with a counter. */
function numbers(seed: string): () => number {
  let i = 0;
  return () => hash32(`${seed}#${i++}`) / 4294967296;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Shapes on a 64 × 64 canvas: a two-colour background and three shapes in related hues. */
export function avatarDesign(seed: string): AvatarDesign {
  const next = numbers(seed);
  const hue = Math.floor(next() * 360);
  const at = (shift: number, s: number, l: number) => `hsl(${(hue + shift) % 360} ${s}% ${l}%)`;
  const kinds = ['circle', 'square', 'triangle'] as const;
  const shapes: AvatarShape[] = [];
  for (let i = 0; i < 3; i++) {
    const kind = kinds[Math.floor(next() * kinds.length)]!;
    const fill = at([150, 40, 200][i]!, 70, [62, 72, 55][i]!);
    const cx = round(14 + next() * 36);
    const cy = round(14 + next() * 36);
    const size = round(12 + next() * 16);
    if (kind === 'circle') shapes.push({ kind, cx, cy, r: round(size / 2), fill });
    else if (kind === 'square') shapes.push({ kind, x: round(cx - size / 2), y: round(cy - size / 2), size, rotate: Math.floor(next() * 90), fill });
    else shapes.push({ kind, points: [[cx, cy - size / 2], [cx + size / 2, cy + size / 2], [cx - size / 2, cy + size / 2]].map(([x, y]) => `${round(x!)},${round(y!)}`).join(' '), fill });
  }
  return { background: [at(0, 55, 32), at(30, 60, 22)], shapes };
}
