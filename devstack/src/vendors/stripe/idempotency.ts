// Stripe's idempotency layer: a key names one request for 24 hours. The same key with the same endpoint and
// parameters replays the stored response; different parameters or another endpoint is an error, never a second
// execution; a request still running under the key makes the next one wait its turn (409). Only requests that
// started executing are stored: a request refused for its parameters can be retried under the same key.

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface StoredResponse {
  status: number;
  body: string;
}

interface Entry {
  method: string;
  path: string;
  params: string;
  savedAt: number;
  response: StoredResponse | null; // null while the first request runs
}

export type IdempotencyCheck =
  | { kind: 'new' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'conflict'; status: number; message: string };

/** Form parameters in a canonical order: the SDK may encode the same parameters in a different order. */
export function canonicalParams(form: string): string {
  const pairs = [...new URLSearchParams(form)];
  pairs.sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  return new URLSearchParams(pairs).toString();
}

export class IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: () => number;
  readonly #ttlMs: number;

  constructor(clock: () => number = Date.now, ttlMs = IDEMPOTENCY_TTL_MS) {
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  /** Claims `key` for this request, or says why it cannot run again. `scope` is the account (API key). */
  begin(scope: string, key: string, method: string, path: string, form: string): IdempotencyCheck {
    this.#prune();
    const id = `${scope}\n${key}`;
    const params = canonicalParams(form);
    const prior = this.#entries.get(id);
    if (!prior) {
      this.#entries.set(id, { method, path, params, savedAt: this.#clock(), response: null });
      return { kind: 'new' };
    }
    if (prior.method !== method || prior.path !== path) {
      return {
        kind: 'conflict', status: 400,
        message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${prior.method} ${prior.path}' vs '${method} ${path}'). Try using a key other than '${key}' if you meant to execute a different request.`
      };
    }
    if (prior.params !== params) {
      return {
        kind: 'conflict', status: 400,
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`
      };
    }
    if (!prior.response) {
      return {
        kind: 'conflict', status: 409,
        message: 'There is currently another in-progress request using this Stripe Idempotency Key (probably because of a timeout). Please try again later.'
      };
    }
    return { kind: 'replay', response: prior.response };
  }

  /** Stores the response of a claimed request, or releases the key when the request never started executing. */
  finish(scope: string, key: string, response: StoredResponse | null): void {
    const id = `${scope}\n${key}`;
    const entry = this.#entries.get(id);
    if (!entry) return;
    if (response === null) this.#entries.delete(id);
    else {
      entry.response = response;
      entry.savedAt = this.#clock();
    }
  }

  #prune(): void {
    const cutoff = this.#clock() - this.#ttlMs;
    for (const [id, e] of this.#entries) if (e.response && e.savedAt <= cutoff) this.#entries.delete(id);
  }
}
