/** A timestamp as operators read it: UTC, to the minute, the same on every machine. */
export function when(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—';
}
