// The TwiML Twilio fetches when the callee answers: connect the call's audio to the media relay, carrying the call
// id and a single-use stream token bound to this call and CallSid. A machine that answered gets one short message.
import { isTerminalCallStatus, type CallStatus } from '../../core/src/call_status.ts';
import { isUuid } from '../_shared/ids.ts';
import { logCallId } from '../_shared/logger.ts';
import type { Queryable } from '../_shared/queryable.ts';
import { fail } from '../_shared/responses.ts';
import { checkTwilioSignature, param, signedUrl } from '../_shared/twilio_signature.ts';
import { isAnsweredBy, relayStreamTwiml, twimlResponse as twiml, voicemailMessage } from '../_shared/twiml.ts';

export interface TwimlDeps {
  db: Queryable;
  publicApiUrl: string;
  authTokens: string[];
  relayStreamUrl: string;
  streamTokenSecret: string;
  now?: () => number;
}


export async function handleTwiml(req: Request, deps: TwimlDeps): Promise<Response> {
  if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'Twilio fetches TwiML with POST.');
  const check = await checkTwilioSignature(req, signedUrl(deps.publicApiUrl, req, '/functions/v1'), deps.authTokens);
  if (!check.ok) return fail(check.status, check.code, check.message);
  const callId = new URL(req.url).searchParams.get('call_id') ?? '';
  const callSid = param(check.params, 'CallSid') ?? '';
  if (!isUuid(callId) || !/^CA[0-9a-fA-F]{32}$/.test(callSid)) return twiml('<Hangup/>');
  logCallId(callId);

  // The call learns its CallSid here if the TwiML fetch beats calls-create's own update.
  const r = await deps.db.query<{ status: string; persona_name: string; first_name: string | null }>(
    `update public.calls c set twilio_call_sid = coalesce(c.twilio_call_sid, $2)
      where c.id = $1 and c.mode = 'phone' and (c.twilio_call_sid is null or c.twilio_call_sid = $2)
      returning c.status, (select p.name from public.personas p where p.id = c.persona_id) as persona_name,
                (select split_part(coalesce(u.name, ''), ' ', 1) from public.users u where u.id = c.user_id) as first_name`,
    [callId, callSid]
  );
  const call = r.rows[0];
  // Unknown call, another call's CallSid, or a call that already ended: nothing to connect.
  if (!call || isTerminalCallStatus(call.status as CallStatus)) return twiml('<Hangup/>');

  // Synchronous detection sends its verdict with this request (the product asks for the asynchronous kind, whose
  // verdict goes to twilio-amd); either way it is kept on the call.
  const answeredBy = param(check.params, 'AnsweredBy') ?? '';
  if (isAnsweredBy(answeredBy)) await deps.db.query('select private.record_answered_by($1, $2, $3)', [callId, callSid, answeredBy]);
  if (answeredBy === 'fax') return twiml('<Hangup/>');
  if (answeredBy.startsWith('machine')) return twiml(voicemailMessage(call.persona_name, call.first_name));

  return relayStreamTwiml({ relayStreamUrl: deps.relayStreamUrl, streamTokenSecret: deps.streamTokenSecret, callId, callSid, nowMs: deps.now?.() ?? Date.now() });
}
