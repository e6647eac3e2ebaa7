// Twilio's asynchronous answering-machine verdict (AsyncAmdStatusCallback). The call was connected to the persona
// at once; when the verdict says a machine answered, the call's TwiML is replaced by one short message and a
// hang-up, so the persona never holds a conversation with a voicemail. The verdict is kept on the call, once.
import { isTerminalCallStatus, type CallStatus } from '../../core/src/call_status.ts';
import { isUuid } from '../_shared/ids.ts';
import type { Queryable } from '../_shared/queryable.ts';
import { fail, json } from '../_shared/responses.ts';
import type { TwilioClient } from '../_shared/twilio_client.ts';
import { checkTwilioSignature, param, signedUrl } from '../_shared/twilio_signature.ts';
import { CALL_SID, invalidCallback } from '../_shared/twilio_params.ts';
import { isAnsweredBy, twimlDocument, voicemailMessage, voicemailText } from '../_shared/twiml.ts';

export interface AmdDeps {
  db: Queryable;
  publicApiUrl: string;
  authTokens: string[];
  twilio: Pick<TwilioClient, 'redirectCall'>;
  log?: (line: string) => void;
}

export async function handleTwilioAmd(req: Request, deps: AmdDeps): Promise<Response> {
  if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'Twilio posts answering-machine verdicts.');
  const check = await checkTwilioSignature(req, signedUrl(deps.publicApiUrl, req, '/functions/v1'), deps.authTokens);
  if (!check.ok) return fail(check.status, check.code, check.message);

  const callId = new URL(req.url).searchParams.get('call_id') ?? '';
  const callSid = param(check.params, 'CallSid') ?? '';
  const answeredBy = param(check.params, 'AnsweredBy') ?? '';
  const invalid = !isUuid(callId) ? invalidCallback('call_id', 'is not a call id')
    : !CALL_SID.test(callSid) ? invalidCallback('CallSid', 'is not a Twilio call SID (CA + 32 hex digits)')
    : !isAnsweredBy(answeredBy) ? invalidCallback('AnsweredBy', 'is not an answering-machine verdict')
    : null;
  if (invalid) {
    // Signed, so Twilio (or a replay) sent it: refused with the field, and a trace.
    deps.log?.(`twilio-amd: refused verdict call_id=${callId.slice(0, 40)} CallSid=${callSid.slice(0, 40)} AnsweredBy=${answeredBy.slice(0, 40)}`);
    return invalid;
  }

  const r = await deps.db.query<{ outcome: string; call_status: string | null }>(
    'select * from private.record_answered_by($1, $2, $3)', [callId, callSid, answeredBy]);
  const { outcome, call_status } = r.rows[0]!;
  const nobodyToTalkTo = answeredBy === 'fax' || answeredBy.startsWith('machine');
  if (outcome !== 'recorded' || !nobodyToTalkTo || isTerminalCallStatus(call_status as CallStatus)) {
    return json(200, { outcome, answered_by: answeredBy, action: 'none' });
  }

  let body = '<Hangup/>';
  let message: string | null = null;
  if (answeredBy !== 'fax') {
    const who = await deps.db.query<{ persona_name: string; first_name: string | null }>(
      `select p.name as persona_name, nullif(split_part(coalesce(u.name, ''), ' ', 1), '') as first_name
         from public.calls c join public.personas p on p.id = c.persona_id join public.users u on u.id = c.user_id
        where c.id = $1`, [callId]);
    const row = who.rows[0];
    body = voicemailMessage(row?.persona_name ?? 'your caller', row?.first_name ?? null);
    message = voicemailText(row?.persona_name ?? 'your caller', row?.first_name ?? null);
  }
  try {
    await deps.twilio.redirectCall(callSid, twimlDocument(body));
  } catch (err) {
    // The verdict is kept; the call still ends at its time limit or when the machine hangs up.
    deps.log?.(`twilio-amd: could not redirect ${callSid} after verdict ${answeredBy}: ${(err as Error).message}`);
    return json(200, { outcome, answered_by: answeredBy, action: 'redirect_failed' });
  }
  // The message is part of what was said on the call: it is kept in the transcript, after anything said live.
  if (message) await deps.db.query('select private.record_voicemail_message($1, $2)', [callId, message]);
  return json(200, { outcome, answered_by: answeredBy, action: answeredBy === 'fax' ? 'hang_up' : 'voicemail_message' });
}
