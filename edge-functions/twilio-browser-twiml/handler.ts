// The TwiML App's Voice URL: Twilio asks it what to do with a call the Voice SDK placed from a browser. Only a
// signed request for our TwiML App, from the owner of an unfinished browser-mode call that Twilio carries under no
// other CallSid, is connected to the media relay — exactly like an answered phone call (call id and a single-use
// stream token bound to the CallSid). Anything else is rejected: Twilio never answers it, nothing is billed.
//
// Production setup: in Twilio's console, the TwiML App (TWILIO_TWIML_APP_SID) has its Voice URL set to
// <PUBLIC_API_URL>/functions/v1/twilio-browser-twiml (POST) and its Status Callback URL to
// <PUBLIC_API_URL>/functions/v1/twilio-status (POST). A Voice SDK call has no Calls.create to pass a status
// callback to: the app's Status Callback is how its end (completed, with Twilio's duration) reaches us, which
// completes and settles the call. That callback reports only the end, so the call is in progress from here:
// Twilio answers the browser's call when this TwiML connects it.
import { ACTIVE_CALL_STATUSES, isTerminalCallStatus, type CallStatus } from '../../core/src/call_status.ts';
import { isUuid } from '../_shared/ids.ts';
import type { Queryable } from '../_shared/queryable.ts';
import { fail } from '../_shared/responses.ts';
import { checkTwilioSignature, param, signedUrl } from '../_shared/twilio_signature.ts';
import { relayStreamTwiml, twimlResponse as twiml } from '../_shared/twiml.ts';

export interface BrowserTwimlDeps {
  db: Queryable;
  publicApiUrl: string;
  authTokens: string[];
  accountSid: string;
  /** null when browser calls through Twilio are not configured: every call is rejected. */
  twimlAppSid: string | null;
  relayStreamUrl: string;
  streamTokenSecret: string;
  now?: () => number;
  log?: (line: string) => void;
}

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

export async function handleBrowserTwiml(req: Request, deps: BrowserTwimlDeps): Promise<Response> {
  if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'Twilio fetches TwiML with POST.');
  const check = await checkTwilioSignature(req, signedUrl(deps.publicApiUrl, req, '/functions/v1'), deps.authTokens);
  if (!check.ok) return fail(check.status, check.code, check.message);

  const get = (name: string) => param(check.params, name) ?? '';
  const callSid = get('CallSid');
  const reject = (why: string) => {
    deps.log?.(`twilio-browser-twiml: rejected CallSid=${callSid.slice(0, 40)}: ${why}`);
    return twiml('<Reject/>');
  };
  if (!deps.twimlAppSid) return reject('TWILIO_TWIML_APP_SID is not set');
  if (get('ApplicationSid') !== deps.twimlAppSid || get('AccountSid') !== deps.accountSid) return reject('not our TwiML App');
  // The Voice SDK's caller is "client:<identity>"; browser-call-token made the identity the user's id.
  const userId = /^client:(.+)$/.exec(get('From'))?.[1];
  // call_id comes from the token's own params (and the SDK's connect params, which repeat it); it is only
  // believed for a call the identity owns.
  const callId = get('call_id');
  if (!isUuid(userId) || !isUuid(callId) || !CALL_SID.test(callSid)) return reject('malformed request');

  // Bind the CallSid (a retried fetch for the same CallSid is fine; another CallSid is not) and mark the call
  // answered, in one statement so two fetches cannot both win.
  const r = await deps.db.query<{ status: string }>(
    `update public.calls c
        set twilio_call_sid = $2,
            status = 'in_progress',
            dialed_at = coalesce(c.dialed_at, now())
      where c.id = $1 and c.user_id = $3 and c.mode = 'browser' and c.status = any($4::public.call_status[])
        and (c.twilio_call_sid is null or c.twilio_call_sid = $2)
      returning c.status`,
    [callId, callSid, userId, ACTIVE_CALL_STATUSES]
  );
  const call = r.rows[0];
  // Unknown, someone else's, a phone call, finished, or already carried under another CallSid.
  if (!call || isTerminalCallStatus(call.status as CallStatus)) return reject(`call ${callId} cannot be connected`);

  return relayStreamTwiml({ relayStreamUrl: deps.relayStreamUrl, streamTokenSecret: deps.streamTokenSecret, callId, callSid, nowMs: deps.now?.() ?? Date.now() });
}
