// The caller's side of a Twilio Media Streams WebSocket (bidirectional <Connect><Stream>): our audio goes out as
// base64 μ-law `media` frames, `mark` asks to be told when it has played, `clear` drops what is queued.
// Closing the socket ends the <Connect>, and with nothing after it in the TwiML, the call.
import WebSocket from 'ws';
import { clearMessage, markMessage } from '../../core/src/media_streams.ts';
import { mediaEnvelope } from './media_frames.ts';
import type { Telephony } from './provider_contracts.ts';

/** Above this much unsent data the line is stalled; more audio would only grow memory. */
const MAX_BUFFERED_BYTES = 2 * 1024 * 1024;

/** `onDropped`: an audio frame was not sent, because the line is stalled or already closed. */
export function twilioTelephony(ws: WebSocket, streamSid: string, onStalled: () => void, onDropped: (reason: 'line_stalled' | 'socket_closed') => void = () => undefined): Telephony {
  const writable = (audio: boolean) => {
    if (ws.readyState !== WebSocket.OPEN) {
      if (audio) onDropped('socket_closed');
      return false;
    }
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      if (audio) onDropped('line_stalled');
      onStalled();
      return false;
    }
    return true;
  };
  // Built once per stream: a media frame is its envelope around the payload, written as bytes, sent as text.
  const media = mediaEnvelope(streamSid);
  const clear = JSON.stringify(clearMessage(streamSid));
  const text = { binary: false };
  return {
    info: { service: 'twilio', model: 'media-streams' },
    sendAudio: (mulaw) => {
      if (writable(true)) ws.send(media(mulaw), text);
    },
    mark: (name) => {
      if (writable(false)) ws.send(JSON.stringify(markMessage(streamSid, name)));
    },
    clear: () => {
      if (writable(false)) ws.send(clear);
    },
    hangup: (reason) => {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, reason.slice(0, 100));
    }
  };
}
