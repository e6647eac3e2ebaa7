// Fakes for handler unit tests: dependencies that record what they were asked, and fail the test when touched
// where a handler must not reach them (bad input is refused before any database or vendor work).
import type { Queryable } from './queryable.ts';
import { sessionFor } from './testing.ts';

export function untouchableDb(): Queryable & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    query: (sql: string) => {
      queries.push(sql);
      return Promise.reject(new Error(`the database must not be touched here: ${sql.slice(0, 60)}`));
    }
  };
}

export function untouchable<T extends object>(name: string): T {
  return new Proxy({}, { get: (_t, prop) => () => Promise.reject(new Error(`${name}.${String(prop)} must not be called here`)) }) as T;
}

/** A signed-in user whose session checks out, without Auth. */
export function liveSession(userId = '0b6f5f3c-4a57-4c5e-9f55-3d5a2f0c1e01') {
  return sessionFor(userId);
}

export async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}
