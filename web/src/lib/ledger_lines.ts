// The credit history as the billing page shows it, from the ledger_by_call view: a call is one line with its net
// charge and its hold and release folded beneath it; purchases, grants and refunds are lines of their own.
import { ledgerLabel } from './billing.ts';
import type { Json } from '../../../core/src/database.types.ts';

export interface LedgerLine {
  line_id: number | null;
  kind: string | null;
  call_id: string | null;
  call_state: string | null;
  change: number | null;
  held_credits: number | null;
  released_credits: number | null;
  balance_after: number | null;
  persona_name: string | null;
  description: string | null;
  created_at: string | null;
  entries: Json | null;
}

export interface FoldedEntry {
  id: number;
  label: string;
  change: string;
}

interface Entry {
  id: number;
  type: string;
  amount: number;
}

/** +500, −4 (a real minus sign), 0. */
export function formatChange(n: number | null | undefined): string {
  const v = Math.round(Number(n ?? 0));
  if (v > 0) return `+${v.toLocaleString('en-US')}`;
  if (v < 0) return `−${(-v).toLocaleString('en-US')}`;
  return '0';
}

export function lineTitle(line: LedgerLine): string {
  if (line.kind === 'call') return `Call with ${line.persona_name ?? 'a persona'}`;
  return ledgerLabel(line.kind ?? '');
}

/** What happened to a call's money, in a few words; null for other lines. */
export function callNote(line: LedgerLine): string | null {
  if (line.kind !== 'call') return null;
  if (line.call_state === 'held') return `in progress, ${Number(line.held_credits ?? 0).toLocaleString('en-US')} held`;
  if (line.call_state === 'released') return 'did not connect, nothing charged';
  return null;
}

function entriesOf(line: LedgerLine): Entry[] {
  const raw = Array.isArray(line.entries) ? line.entries : [];
  return raw.flatMap((e) => {
    if (!e || typeof e !== 'object' || Array.isArray(e)) return [];
    const id = Number(e.id);
    const amount = Number(e.amount);
    return Number.isFinite(id) && Number.isFinite(amount) && typeof e.type === 'string' ? [{ id, type: e.type, amount }] : [];
  });
}

/**
 * The ledger rows folded into a call's line, each with what it did to the spendable balance: the hold takes the
 * reserved credits, the settlement gives back what was not charged.
 */
export function foldedEntries(line: LedgerLine): FoldedEntry[] {
  if (line.kind !== 'call') return [];
  return entriesOf(line).map((e) => ({
    id: e.id,
    label: e.type === 'reservation' ? 'Held for the call' : e.type === 'settlement' ? (line.call_state === 'released' ? 'Released: the call did not connect' : 'Released when it settled') : ledgerLabel(e.type),
    change: formatChange(e.amount)
  }));
}
