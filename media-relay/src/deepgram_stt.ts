// Deepgram live transcription over WebSocket (/v1/listen), μ-law 8 kHz straight from the phone line.
// Turn ends come from Deepgram's endpointing (`speech_final`), with `UtteranceEnd` as the fallback when noise
// keeps endpointing from firing.
import WebSocket from 'ws';
import { callClock } from './call_clock.ts';
import type { RelayConfig } from './config.ts';
import { ProviderError, type SpeechToText, type SttEvent, type SttSession } from './provider_contracts.ts';

interface DeepgramResults {
  type: 'Results';
  is_final?: boolean;
  speech_final?: boolean;
  channel?: { alternatives?: { transcript?: string }[] };
}

const KEEPALIVE_MS = 4000;
const CLOSE_WAIT_MS = 2000;
const BINARY = { binary: true };

export function createDeepgramStt(cfg: RelayConfig['stt']): SpeechToText {
  return {
    info: { service: 'deepgram', model: cfg.model },
    open: ({ onEvent, keyterms }) => openStream(cfg, onEvent, [...cfg.keyterms, ...(keyterms ?? [])])
  };
}

function openStream(cfg: RelayConfig['stt'], onEvent: (e: SttEvent) => void, keyterms: string[]): Promise<SttSession> {
  const q = new URLSearchParams({
    model: cfg.model,
    encoding: 'mulaw',
    sample_rate: '8000',
    channels: '1',
    interim_results: 'true',
    endpointing: String(cfg.endpointingMs),
    utterance_end_ms: String(cfg.utteranceEndMs),
    vad_events: 'true'
  });
  for (const k of keyterms) q.append('keyterm', k);
  // No permessage-deflate: μ-law does not compress, and deflating fifty frames a second per call costs CPU.
  const ws = new WebSocket(`${cfg.baseUrl}/v1/listen?${q}`, { headers: { Authorization: `Token ${cfg.apiKey}` }, perMessageDeflate: false });
  let bytesSent = 0;
  let lastSendAt = Date.now();
  let finals: string[] = []; // settled segments of the current turn
  let closing = false;
  let closedEmitted = false;

  const emit = (e: SttEvent) => {
    try {
      onEvent(e);
    } catch {
      // A listener's bug must not break the transcription socket.
    }
  };
  const endTurn = () => {
    const text = finals.join(' ').trim();
    finals = [];
    if (text) emit({ type: 'final', text, endOfTurn: true });
  };

  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let msg: { type?: string };
    try {
      msg = JSON.parse(String(data)) as { type?: string };
    } catch {
      return;
    }
    if (msg.type === 'Results') {
      const r = msg as DeepgramResults;
      const text = r.channel?.alternatives?.[0]?.transcript?.trim() ?? '';
      if (!r.is_final) {
        if (text) emit({ type: 'interim', text: [...finals, text].join(' ') });
        return;
      }
      if (text) {
        finals.push(text);
        emit({ type: 'final', text, endOfTurn: false });
      }
      if (r.speech_final) endTurn();
    } else if (msg.type === 'UtteranceEnd') {
      endTurn();
    }
  });

  // On the process's call clock, with every other call's periodic work, rather than a timer per stream.
  const stopKeepAlive = callClock.every(KEEPALIVE_MS, () => {
    if (ws.readyState === WebSocket.OPEN && Date.now() - lastSendAt >= KEEPALIVE_MS) ws.send(JSON.stringify({ type: 'KeepAlive' }));
  });

  const closed = new Promise<void>((resolve) => {
    ws.on('close', (code, reason) => {
      stopKeepAlive();
      endTurn();
      if (!closing && !closedEmitted) {
        closedEmitted = true;
        emit({ type: 'closed', error: new ProviderError(`Deepgram closed the stream (${code} ${reason.toString()}).`, { service: 'deepgram', retryable: true, status: code }) });
      }
      resolve();
    });
  });

  return new Promise<SttSession>((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      closing = true;
      reject(new ProviderError(`Deepgram refused the stream (HTTP ${status}).`, { service: 'deepgram', retryable: status >= 500 || status === 429, status }));
      ws.terminate();
    });
    ws.once('error', (err) => {
      closing = true;
      reject(new ProviderError(`Deepgram connection failed: ${err.message}`, { service: 'deepgram', retryable: true, cause: err }));
    });
    ws.once('open', () => {
      ws.on('error', () => undefined);
      resolve({
        sendAudio(mulaw) {
          if (ws.readyState !== WebSocket.OPEN || closing) return;
          ws.send(mulaw, BINARY);
          bytesSent += mulaw.length;
          lastSendAt = Date.now();
        },
        async close() {
          if (!closing) {
            closing = true;
            if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'CloseStream' }));
            const timer = setTimeout(() => ws.terminate(), CLOSE_WAIT_MS);
            await closed;
            clearTimeout(timer);
          }
          return { audioSeconds: bytesSent / 8000 };
        }
      });
    });
  });
}
