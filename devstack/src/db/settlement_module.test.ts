// Settlement is one module although migrations are append-only: the newest <timestamp>_settlement.sql declares every
// settlement function at its current definition, and no other migration defines one after it. A change to settlement
// that re-declares one function in some other migration would split the module again; this test says so.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '../../../supabase/migrations');
const DEFINES = /create\s+or\s+replace\s+function\s+private\.(\w+)\s*\(/gi;
// What names a settlement function: it holds, charges, releases or records a call's payment.
const SETTLEMENT_NAME = /settle|payment_status|reservation|reserve_call|release_call|^(call_)?charge_cents$|card_(hold|event|settlement)/;

const migrations = readdirSync(DIR).filter((f) => f.endsWith('.sql')).sort();
const defined = (file: string) => [...readFileSync(join(DIR, file), 'utf8').matchAll(DEFINES)].map((m) => m[1]!);

describe('the settlement module', () => {
  const settlementFiles = migrations.filter((f) => f.endsWith('_settlement.sql'));
  const newest = settlementFiles.at(-1)!;
  const module = new Set(defined(newest));

  it('is the newest settlement migration, and declares the one writer of payment_status and the entry point', () => {
    expect(newest).toBeDefined();
    expect([...module]).toEqual(expect.arrayContaining(['set_payment_status', 'settle_finished_call', 'begin_card_settlement', 'record_card_settlement']));
  });

  it('is where every settlement function was last defined', () => {
    const later = migrations.slice(migrations.indexOf(newest) + 1)
      .flatMap((f) => defined(f).filter((fn) => module.has(fn) || SETTLEMENT_NAME.test(fn)).map((fn) => `${f} redefines private.${fn}`));
    expect(later, `re-declare every settlement function in a new <timestamp>_settlement.sql instead`).toEqual([]);
  });

  it('holds every settlement function ever defined', () => {
    const everDefined = new Set(migrations.flatMap(defined).filter((fn) => SETTLEMENT_NAME.test(fn)));
    const missing = [...everDefined].filter((fn) => !module.has(fn));
    expect(missing, `settlement functions defined outside ${newest}`).toEqual([]);
  });
});
