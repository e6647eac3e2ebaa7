// Building TwiML documents: escaping, the XML response, connecting a call to the media relay, and the one message a
// persona leaves on a voicemail.
import { mintStreamToken, STREAM_TOKEN_TTL_SECONDS } from './stream_token.ts';

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function twimlDocument(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;
}

export function twimlResponse(body: string): Response {
  return new Response(twimlDocument(body), { status: 200, headers: { 'Content-Type': 'text/xml; charset=utf-8' } });
}

/** One short sentence for an answering machine, then the call ends: no conversation with a recording. */
/** What the persona says to a voicemail, as text (kept in the call's transcript). */
export function voicemailText(personaName: string, firstName: string | null): string {
  const who = firstName ? `, ${firstName}` : '';
  return `Hi${who}, it's ${personaName} from Call Me Back. Sorry I missed you, talk soon!`;
}

export function voicemailMessage(personaName: string, firstName: string | null): string {
  return `<Say>${xmlEscape(voicemailText(personaName, firstName))}</Say><Hangup/>`;
}

/** Twilio's AnsweredBy values. machine_* and fax mean nobody will talk with the persona. */
export const ANSWERED_BY = ['human', 'machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax', 'unknown'] as const;
export type AnsweredBy = (typeof ANSWERED_BY)[number];

export function isAnsweredBy(v: string): v is AnsweredBy {
  return (ANSWERED_BY as readonly string[]).includes(v);
}

/** <Connect><Stream> to the relay with the call id and a single-use stream token bound to this CallSid. */
export function relayStreamTwiml(p: { relayStreamUrl: string; streamTokenSecret: string; callId: string; callSid: string; nowMs: number }): Response {
  const exp = Math.floor(p.nowMs / 1000) + STREAM_TOKEN_TTL_SECONDS;
  const token = mintStreamToken({ callId: p.callId, callSid: p.callSid, exp }, p.streamTokenSecret);
  return twimlResponse(
    `<Connect><Stream url="${xmlEscape(p.relayStreamUrl)}">` +
      `<Parameter name="call_id" value="${xmlEscape(p.callId)}"/><Parameter name="stream_token" value="${xmlEscape(token)}"/>` +
      `</Stream></Connect>`
  );
}
