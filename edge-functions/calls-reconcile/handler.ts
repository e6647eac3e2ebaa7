// pg_cron calls this every minute with the secret key; each run is short (at most `limit` Twilio lookups).
import { fail, json } from '../_shared/responses.ts';
import type { ServiceCallerCheck } from '../_shared/service_role.ts';
import { reconcileCalls, type ReconcileDeps } from './reconciler.ts';

export interface ReconcileHandlerDeps extends ReconcileDeps {
  /** Lets through only the service (pg_cron with the secret key); see service_role.ts. */
  authorize: ServiceCallerCheck;
}

export async function handleReconcile(req: Request, deps: ReconcileHandlerDeps): Promise<Response> {
  if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'Use POST.');
  const refused = await deps.authorize(req);
  if (refused) return refused;
  return json(200, await reconcileCalls(deps));
}
