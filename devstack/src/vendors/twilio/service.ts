import type { ServiceDeps } from '../../gateway/types.ts';
import { DEMO_TWILIO_API_KEY_SECRET, DEMO_TWILIO_API_KEY_SID, DEMO_TWILIO_TWIML_APP_SID } from '../../demo_env.ts';
import { startTwilioStandIn } from './server.ts';

export async function createService(deps: ServiceDeps): Promise<{ close: () => Promise<void> }> {
  const v = deps.config.vendors;
  const stand = await startTwilioStandIn({
    port: v.twilioPort,
    accountSid: v.twilioAccountSid,
    authToken: v.twilioAuthToken,
    verifyServiceSid: v.twilioVerifyServiceSid,
    phoneNumbers: [v.twilioFromNumber],
    apiKey: { sid: DEMO_TWILIO_API_KEY_SID, secret: DEMO_TWILIO_API_KEY_SECRET },
    // Configured as in Twilio's console: the functions that answer browser calls, on this stack's gateway.
    twimlApp: {
      sid: DEMO_TWILIO_TWIML_APP_SID,
      voiceUrl: `http://127.0.0.1:${deps.config.apiPort}/functions/v1/twilio-browser-twiml`,
      statusCallback: `http://127.0.0.1:${deps.config.apiPort}/functions/v1/twilio-status`
    },
    log: deps.log
  });
  deps.log(`Twilio stand-in on ${stand.url} (simulated carrier: no real phone is called)`);
  return { close: stand.close };
}
