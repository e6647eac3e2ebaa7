// The functions' settings bound to Deno.env: each function reads the ones it needs once at boot, through the schemas
// in settings.ts, and refuses to start naming every missing or malformed one on its own line.
import { functionSettingsFrom, type FunctionSettingName } from './settings.ts';

export function functionSettings<const K extends FunctionSettingName>(names: readonly K[]) {
  return functionSettingsFrom(names, (n) => Deno.env.get(n));
}

export { TWILIO_REST_SETTINGS, twilioAuthTokens, twilioRest } from './settings.ts';
