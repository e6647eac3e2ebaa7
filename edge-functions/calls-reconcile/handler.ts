// pg_cron calls this every minute with the service-role key; each run is short (at most `limit` Twilio lookups).
import { fail, json } from '../_shared/responses.ts';
import { requireServiceRole, type ClaimsVerifier } from '../_shared/service_role.ts';
import { reconcileCalls, type ReconcileDeps } from './reconciler.ts';

export interface ReconcileHandlerDeps extends ReconcileDeps {
  verify: ClaimsVerifier;
}

export async function handleReconcile(req: Request, deps: ReconcileHandlerDeps): Promise<Response> {
  if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'Use POST.');
  const refused = await requireServiceRole(req, deps.verify);
  if (refused) return refused;
  return json(200, await reconcileCalls(deps));
}
