// Reads what the call page needs to explain a call's charge, as the signed-in user (the views apply their RLS).
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '../../../core/src/database.types.ts';
import type { CallChargeRow, ChargeLineRow } from './priced_call.ts';

export interface PricedCall {
  chargeLines: ChargeLineRow[];
  charge: CallChargeRow | null;
}

export async function loadPricedCall(sb: SupabaseClient<Database>, callId: string): Promise<PricedCall> {
  const [lines, charge] = await Promise.all([
    sb.from('call_charge_lines').select('service, markup_percent, provider_cost_usd, charged_usd').eq('call_id', callId),
    sb.from('call_charges').select('payment_method, charged_usd_exact, rounded_up_cents, charged_cents, held_cents, released_cents').eq('call_id', callId).maybeSingle()
  ]);
  return { chargeLines: lines.data ?? [], charge: charge.data };
}
