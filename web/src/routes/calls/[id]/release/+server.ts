// Called by the call page as it is left (navigator.sendBeacon on pagehide, or when the app navigates away) while
// its browser call still waits for the microphone: the call is cancelled and its hold released at once, instead of
// blocking new calls until its connect deadline. A call that connected meanwhile is left running (calls-cancel's
// unconnected_only). The session comes from the cookie, which a beacon carries.
import type { RequestHandler } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const POST: RequestHandler = async ({ locals, params }) => {
  if (!UUID.test(params.id)) {
    return Response.json({ error: { code: 'call_not_found', message: 'This call does not exist or is not yours.' } }, { status: 404 });
  }
  const { error } = await locals.supabase.functions.invoke('calls-cancel', { body: { call_id: params.id, unconnected_only: true } });
  if (!error) return new Response(null, { status: 204 });
  // The function's own refusal (not yours, already ended, connected meanwhile) is passed on as it is.
  const context = (error as { context?: Response }).context;
  if (context instanceof Response) return new Response(await context.text(), { status: context.status, headers: { 'content-type': 'application/json' } });
  return Response.json({ error: { code: 'provider_unavailable', message: 'The call could not be released right now; it is released within two minutes anyway.' } }, { status: 503 });
};
