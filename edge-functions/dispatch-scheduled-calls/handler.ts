// pg_cron wakes this function every minute (through pg_net, with the secret key from Vault). It answers as soon
// as the claim has committed, with what it claimed; the dials carry on in the background at their planned seconds,
// because pg_net stops waiting after a few seconds and the outcome of each dial is written to scheduled_calls anyway.
import { fail, json } from '../_shared/responses.ts';
import type { ServiceCallerCheck } from '../_shared/service_role.ts';
import { dispatchDueCalls, type DialReport, type DispatchDeps } from './dispatcher.ts';

export interface DispatchHandlerDeps extends DispatchDeps {
  /** Lets through only the service (pg_cron with the secret key); see service_role.ts. */
  authorize: ServiceCallerCheck;
  /** Keeps the worker alive until the dials finish (EdgeRuntime.waitUntil on Supabase). */
  background: (work: Promise<unknown>) => void;
}

export async function handleDispatch(req: Request, deps: DispatchHandlerDeps): Promise<Response> {
  if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'Use POST.');
  const refused = await deps.authorize(req);
  if (refused) return refused;
  const log = deps.log ?? (() => undefined);
  const { claim, dials } = await dispatchDueCalls(deps);
  deps.background(
    dials.then((d: DialReport) =>
      log(`dispatch: ${d.dispatched} dialled, ${d.failed} refused, ${d.missed} missed at dial time`)
    )
  );
  return json(200, claim);
}
