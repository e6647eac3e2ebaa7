// "Call me now": a signed-in user with a live session asks a persona to call their verified number or browser.
// With dry_run it only answers the estimate and the budget check, so the app can show them before confirming.
import { appError } from '../../core/src/errors.ts';
import { logCallId } from '../_shared/logger.ts';
import { placeCall, validatePlaceCall, type PlaceCallDeps } from '../_shared/place_call.ts';
import { clientAddressNoting, type ProxyTrust } from '../_shared/client_address.ts';
import { readJsonObject } from '../_shared/request_body.ts';
import { failWith, json } from '../_shared/responses.ts';
import { requireSession, type SessionDeps } from '../_shared/user_session.ts';

export interface CallsCreateDeps extends PlaceCallDeps {
  session: SessionDeps;
  /** Which proxies' word to take for the caller's address (default: one proxy appending to X-Forwarded-For). */
  proxyTrust?: ProxyTrust;
}

export async function handleCallsCreate(req: Request, deps: CallsCreateDeps): Promise<Response> {
  if (req.method !== 'POST') return failWith(appError('invalid_input', 'Use POST.'));
  const session = await requireSession(req, deps.session);
  if (session instanceof Response) return session;
  const body = await readJsonObject(req);
  if (!body.ok) return failWith(body.error);
  const request = validatePlaceCall(body.value, session.userId);
  if ('code' in request) return failWith(request);
  const result = await placeCall({ ...request, clientIp: clientAddressNoting(req, deps.proxyTrust, deps.log) }, deps);
  if (!result.ok) return failWith(result.error);
  if (result.call.call_id) logCallId(result.call.call_id);
  return json(request.dryRun ? 200 : result.call.replayed ? 200 : 201, result.call);
}
