import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { HANDLED_STRIPE_EVENTS } from './stripe_events.ts';

/** The event types the newest definition of private.ingest_stripe_event branches on. */
function eventsTheDatabaseHandles(): string[] {
  const dir = join(REPO_ROOT, 'supabase', 'migrations');
  const defining = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .filter((sql) => /create or replace function private\.ingest_stripe_event/i.test(sql));
  const sql = defining.at(-1)!;
  const body = sql.slice(sql.search(/create or replace function private\.ingest_stripe_event/i));
  const fn = body.slice(0, body.search(/\n\$\$;/));
  const out: string[] = [];
  for (const m of fn.matchAll(/when v_type (?:=\s*'([a-z_.]+)'|in\s*\(([^)]*)\))/g)) {
    if (m[1]) out.push(m[1]);
    else out.push(...[...m[2]!.matchAll(/'([a-z_.]+)'/g)].map((x) => x[1]!));
  }
  return out;
}

describe('the Stripe events a webhook endpoint must send', () => {
  it('are exactly those the database acts on', () => {
    const handled = eventsTheDatabaseHandles();
    expect(handled.length).toBeGreaterThan(5);
    expect([...HANDLED_STRIPE_EVENTS].sort()).toEqual([...new Set(handled)].sort());
  });
});
