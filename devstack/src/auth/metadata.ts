// GoTrue's metadata update: keys in the patch overwrite, a null value deletes the key, other keys stay.
import { isPlainObject } from './validation.ts';

export function mergeMetadata(current: unknown, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = isPlainObject(current) ? { ...current } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}
