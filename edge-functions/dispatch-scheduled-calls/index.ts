import { callWiring } from '../_shared/call_wiring.ts';
import { withRequestLog } from '../_shared/logger.ts';
import { placeCall } from '../_shared/place_call.ts';
import { serviceCallerCheck, serviceCallerKeysFrom } from '../_shared/service_role.ts';
import { dispatchConfigFrom, realClock } from './dispatcher.ts';
import { handleDispatch } from './handler.ts';
import { postgresScheduleStore } from './schedule_store.ts';

// DISPATCH_CALLS_PER_SECOND paces dials across every run (Twilio's default is 1 per second per account);
// SCHEDULED_CALLS_PAYMENT_METHOD says how scheduled calls are paid (credits by default).
const wiring = callWiring('dispatch-scheduled-calls');
const config = dispatchConfigFrom((n) => Deno.env.get(n));
const edge = (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }).EdgeRuntime;
const deps = {
  store: postgresScheduleStore(wiring.db),
  placeCall: (req: Parameters<typeof placeCall>[0]) => placeCall(req, wiring),
  clock: realClock,
  config,
  log: wiring.log,
  authorize: serviceCallerCheck(serviceCallerKeysFrom()),
  background: (work: Promise<unknown>) => {
    const guarded = work.catch((err) => wiring.log(`dispatch: ${(err as Error).message}`));
    edge?.waitUntil(guarded);
  }
};

Deno.serve(withRequestLog(wiring.log, (req) => handleDispatch(req, deps)));
