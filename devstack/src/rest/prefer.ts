// The `Prefer` header as postgrest-js sends it: one comma-separated list; unknown preferences are ignored.

export interface Preferences {
  return: 'minimal' | 'representation' | 'headers-only' | null;
  count: 'exact' | 'planned' | 'estimated' | null;
  resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
  missing: 'default' | 'null' | null;
  handling: 'strict' | 'lenient' | null;
  maxAffected: number | null;
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
  const prefs: Preferences = { return: null, count: null, resolution: null, missing: null, handling: null, maxAffected: null };
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  for (const raw of text.split(',')) {
    const [k, v] = raw.trim().split('=').map((s) => s.trim());
    if (!k || v === undefined) continue;
    if (k === 'return' && (v === 'minimal' || v === 'representation' || v === 'headers-only')) prefs.return = v;
    else if (k === 'count' && (v === 'exact' || v === 'planned' || v === 'estimated')) prefs.count = v;
    else if (k === 'resolution' && (v === 'merge-duplicates' || v === 'ignore-duplicates')) prefs.resolution = v;
    else if (k === 'missing' && (v === 'default' || v === 'null')) prefs.missing = v;
    else if (k === 'handling' && (v === 'strict' || v === 'lenient')) prefs.handling = v;
    else if (k === 'max-affected' && /^\d{1,9}$/.test(v)) prefs.maxAffected = Number(v);
  }
  return prefs;
}

/** The `Preference-Applied` echo for the preferences that were honoured. */
export function appliedPreferences(p: Preferences): string | null {
  const out: string[] = [];
  if (p.resolution) out.push(`resolution=${p.resolution}`);
  if (p.missing) out.push(`missing=${p.missing}`);
  if (p.return) out.push(`return=${p.return}`);
  if (p.count) out.push(`count=${p.count}`);
  if (p.handling) out.push(`handling=${p.handling}`);
  return out.length ? out.join(', ') : null;
}
