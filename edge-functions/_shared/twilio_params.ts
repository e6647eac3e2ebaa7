// Reading a signed Twilio callback's form parameters. A signature proves Twilio (or a replay of something Twilio
// sent) made the request, not that every field is what we expect: a malformed field is answered 400 with the stable
// code twilio_callback_invalid and nothing is written, never a database error.
import { fail } from './responses.ts';
import { param } from './twilio_signature.ts';

export const CALLBACK_INVALID = 'twilio_callback_invalid';
/** Postgres integer: the columns SequenceNumber and CallDuration are stored in. */
const MAX_INT = 2_147_483_647;

export type Params = Record<string, string | string[]>;

/** The 400 answer naming the field and what is wrong with it. */
export function invalidCallback(field: string, problem: string): Response {
  return fail(400, CALLBACK_INVALID, `${field} ${problem}; this callback was not applied.`);
}

/** A whole number from 0 to 2^31-1 in decimal digits; undefined when absent, null when anything else. */
export function countParam(params: Params, name: string): number | null | undefined {
  const v = param(params, name);
  if (v === undefined) return undefined;
  if (!/^\d{1,10}$/.test(v)) return null;
  const n = Number(v);
  return n <= MAX_INT ? n : null;
}

/** The first parameter whose name or value holds a NUL, which text in Postgres cannot. */
export function nulParam(params: Params): string | null {
  for (const [k, v] of Object.entries(params)) {
    if (k.includes('\u0000') || (Array.isArray(v) ? v : [v]).some((x) => x.includes('\u0000'))) return k.replace(/\u0000/g, '\\0');
  }
  return null;
}

export const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
