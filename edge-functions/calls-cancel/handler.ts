// Hang up (or stop before it rings) one of the user's own calls. Ending is Twilio's to report: the status callback
// moves the call to its final state and settles it; a call Twilio never accepted is ended here.
import { isTerminalCallStatus, type CallStatus } from '../../core/src/call_status.ts';
import { appError } from '../../core/src/errors.ts';
import { isUuid } from '../_shared/ids.ts';
import type { Db } from '../_shared/db.ts';
import { readJsonObject } from '../_shared/request_body.ts';
import { failWith, json } from '../_shared/responses.ts';
import type { TwilioClient } from '../_shared/twilio_client.ts';
import { requireSession, type SessionDeps } from '../_shared/user_session.ts';

export interface CallsCancelDeps {
  session: SessionDeps;
  db: Db;
  twilio: Pick<TwilioClient, 'hangUp'>;
}


export async function handleCallsCancel(req: Request, deps: CallsCancelDeps): Promise<Response> {
  if (req.method !== 'POST') return failWith(appError('invalid_input', 'Use POST.'));
  const session = await requireSession(req, deps.session);
  if (session instanceof Response) return session;
  const body = await readJsonObject(req);
  if (!body.ok) return failWith(body.error);
  const callId = String(body.value.call_id ?? '');
  if (!isUuid(callId)) return failWith(appError('call_not_found'));
  // A page left before its browser call's microphone connected asks with unconnected_only: a call that connected
  // meanwhile (another tab took it) is not ended by a late request from the tab that was closed.
  const unconnectedOnly = body.value.unconnected_only === true;
  const r = await deps.db.query<{ status: string; twilio_call_sid: string | null; mode: string; answered_at: string | null }>(
    'select status, twilio_call_sid, mode, answered_at from public.calls where id = $1 and user_id = $2', [callId, session.userId]);
  const call = r.rows[0];
  if (!call) return failWith(appError('call_not_found'));
  if (isTerminalCallStatus(call.status as CallStatus)) return failWith(appError('call_not_cancellable'));
  const waiting = ['created', 'queued'];
  if (unconnectedOnly && (call.mode !== 'browser' || !waiting.includes(call.status) || call.answered_at || call.twilio_call_sid)) {
    return failWith(appError('call_not_cancellable', 'This call has connected, so it was left running. Hang it up from its page.'));
  }
  if (call.twilio_call_sid) {
    try {
      await deps.twilio.hangUp(call.twilio_call_sid);
    } catch {
      return failWith(appError('provider_unavailable', 'We could not hang up right now. Try again in a moment.'));
    }
    return json(202, { call_id: callId, status: call.status, hanging_up: true });
  }
  // Never reached Twilio (or a browser call): end it here and release what was held.
  const ended = await deps.db.query<{ status: string }>(
    `update public.calls set status = 'canceled', end_reason = 'canceled'
      where id = $1 and status = any($2::public.call_status[]) returning status`,
    [callId, unconnectedOnly ? waiting : ['created', 'queued', 'initiated', 'ringing', 'in_progress']]);
  await deps.db.query('select private.settle_finished_call($1)', [callId]);
  return json(200, { call_id: callId, status: ended.rows[0]?.status ?? call.status, hanging_up: false });
}
