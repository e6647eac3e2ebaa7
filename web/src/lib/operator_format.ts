/** A timestamp as operators read it: UTC, to the minute, the same on every machine whatever offset it came with. */
export function when(iso: string | null | undefined): string {
  const t = iso ? new Date(iso) : null;
  if (!t || Number.isNaN(t.getTime())) return '—';
  const s = t.toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}
