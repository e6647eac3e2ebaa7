// Wiring for the functions that place calls (call now, the scheduled-call dispatcher).
import { requireEnv } from './env.ts';
import type { PlaceCallDeps } from './place_call.ts';
import { commandWiring } from './wiring.ts';

export function callWiring(): PlaceCallDeps & ReturnType<typeof commandWiring> {
  const base = commandWiring();
  const env = requireEnv(['PUBLIC_API_URL', 'TWILIO_FROM_NUMBER']);
  return {
    ...base,
    publicApiUrl: env.PUBLIC_API_URL,
    twilioFromNumber: env.TWILIO_FROM_NUMBER,
    demoMode: Deno.env.get('DEMO_MODE') === 'true'
  };
}
