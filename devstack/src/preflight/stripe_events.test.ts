import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { HANDLED_STRIPE_EVENTS } from './stripe_events.ts';

/**
 * The newest body of every private function, replaying the migrations in order: a `create or replace` sets a body, an
 * `alter function … rename to` moves it to its new name.
 */
function privateFunctionBodies(): Map<string, string> {
  const dir = join(REPO_ROOT, 'supabase', 'migrations');
  const bodies = new Map<string, string>();
  const statement = /create or replace function private\.(\w+)\s*\(|alter function private\.(\w+)\s*\([^)]*\)\s*rename to (\w+)/gi;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    const sql = readFileSync(join(dir, file), 'utf8');
    for (const m of sql.matchAll(statement)) {
      if (m[1]) {
        const body = sql.slice(m.index);
        bodies.set(m[1], body.slice(0, body.search(/\n\$\$;/)));
      } else if (m[2] && m[3] && bodies.has(m[2])) {
        bodies.set(m[3], bodies.get(m[2])!);
        bodies.delete(m[2]);
      }
    }
  }
  return bodies;
}

/** The event types private.ingest_stripe_event branches on, with the private.ingest_stripe_* functions it calls. */
function eventsTheDatabaseHandles(): string[] {
  const bodies = privateFunctionBodies();
  const entry = bodies.get('ingest_stripe_event')!;
  const called = [...entry.matchAll(/private\.(ingest_stripe_\w+)\s*\(/g)].map((m) => m[1]!).filter((fn) => fn !== 'ingest_stripe_event');
  const out: string[] = [];
  for (const fn of [entry, ...called.map((name) => bodies.get(name) ?? '')]) {
    for (const m of fn.matchAll(/when v_type (?:=\s*'([a-z_.]+)'|in\s*\(([^)]*)\))/g)) {
      if (m[1]) out.push(m[1]);
      else out.push(...[...m[2]!.matchAll(/'([a-z_.]+)'/g)].map((x) => x[1]!));
    }
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
