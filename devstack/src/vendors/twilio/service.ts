import type { ServiceDeps } from '../../gateway/types.ts';
import { startTwilioStandIn } from './server.ts';

export async function createService(deps: ServiceDeps): Promise<{ close: () => Promise<void> }> {
  const v = deps.config.vendors;
  const stand = await startTwilioStandIn({
    port: v.twilioPort,
    accountSid: v.twilioAccountSid,
    authToken: v.twilioAuthToken,
    verifyServiceSid: v.twilioVerifyServiceSid,
    log: deps.log
  });
  deps.log(`Twilio stand-in on ${stand.url} (simulated carrier: no real phone is called)`);
  return { close: stand.close };
}
