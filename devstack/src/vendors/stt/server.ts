// Deepgram-compatible live speech-to-text stand-in: WebSocket /v1/listen with `Authorization: Token <key>`
// (or the `token` subprotocol), binary μ-law 8 kHz audio in, JSON `Results` / `UtteranceEnd` / `SpeechStarted` /
// `Metadata` out. Speech is cut into utterances by an energy detector and recognised offline: pocketsphinx for
// free speech, plus phrase spotting when the expected phrases are known (`keyterm` / `keywords` query parameters
// or the stand-in's vocabulary). GET /v1/projects answers who the key belongs to, as a preflight asks. Stand-in
// only: accuracy is nothing like Deepgram's.
// Timing follows Deepgram's live streaming (developers.deepgram.com: interim-results, endpointing, utterance-end,
// measuring-streaming-latency). While an utterance is open the recogniser looks again at every step of the audio
// clock, quiet frames between words included, and sends its guess as an interim (is_final false); the words near the
// tip may still change. Interims trail the audio by the step plus a short processing delay (Deepgram: transcript
// latency of 300 ms or less). A final (is_final true) settles the utterance; speech_final true when the caller paused
// for `endpointing` ms; that end-of-turn answer is what `latencyMs` slows down, and the looks go on until it is sent
// (so an interim may carry the utterance's last words before its final does). UtteranceEnd follows a gap of
// `utterance_end_ms` after the last word.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeMulaw } from '../../../../core/src/mulaw.ts';
import { synthesizeMulaw } from '../speech/espeak.ts';
import { features, matchPhrase, matchPhrasePrefix, type PhraseTemplate } from './phrase_matcher.ts';
import { recognizeMulaw } from './pocketsphinx.ts';

export interface SttStandInOptions {
  port?: number;
  /** Extra delay before each final result (end-of-turn latency), on top of recognition time. */
  latencyMs?: number;
  /** Extra delay before each interim result (processing of a streaming step); min(latencyMs, 100) unless set. */
  interimLatencyMs?: number;
  /** Audio between two looks of the recogniser at an open utterance: one interim per step at most (default 250). */
  interimEveryMs?: number;
  /** When set, the token must match; otherwise any non-empty token is accepted. */
  apiKey?: string;
  /** Phrases always spotted, in addition to those a client passes as `keyterm`; a function is asked per stream. */
  vocabulary?: readonly string[] | (() => readonly string[]);
  /** Close a stream that sends neither audio nor KeepAlive for this long (Deepgram: 10 s, NET-0001). */
  idleTimeoutMs?: number;
  /** Recogniser override, for tests that need deterministic transcripts without pocketsphinx. */
  recognize?: (mulaw: Buffer) => Promise<string>;
  log?: (line: string) => void;
}

export interface StandIn {
  url: string;
  close: () => Promise<void>;
}

const FRAME = 160; // 20 ms
const SPEECH_RMS = 400;
const PHRASE_THRESHOLD = 9;
const MAX_UTTERANCE_MS = 15_000;
const INTERIM_EVERY_MS = 250;
const INTERIM_PROCESSING_MS = 100;
const RECOGNIZER_INTERIM_EVERY_MS = 1500;

/** Phrase templates, rendered once per text (and per sentence of it, as callers pause between sentences). */
const templateCache = new Map<string, Promise<PhraseTemplate>>();
function templatesFor(phrases: readonly string[]): Promise<PhraseTemplate[]> {
  const texts = new Set<string>();
  for (const p of phrases) {
    const t = p.trim();
    if (!t) continue;
    // The speaker may pause at any clause boundary, so every run of consecutive clauses gets a template.
    const clauses = (t.match(/[^.?!,;]+[.?!,;]*/g) ?? [t]).map((c) => c.trim()).filter(Boolean);
    for (let i = 0; i < clauses.length; i++) {
      for (let j = i; j < clauses.length; j++) texts.add(clauses.slice(i, j + 1).join(' '));
    }
  }
  return Promise.all([...texts].map((text) => {
    let hit = templateCache.get(text);
    if (!hit) {
      hit = synthesizeMulaw(text).then((audio) => ({ text, features: features(decodeMulaw(audio)) }));
      templateCache.set(text, hit);
    }
    return hit;
  }));
}

/** Transcript text as Deepgram returns it without `punctuate`: lower case words. */
function normalise(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function rms(frame: Int16Array): number {
  let s = 0;
  for (const x of frame) s += x * x;
  return Math.sqrt(s / Math.max(1, frame.length));
}

interface StreamOptions {
  interim: boolean;
  endpointingMs: number | null;
  utteranceEndMs: number | null;
  vadEvents: boolean;
  phrases: string[];
}

function parseQuery(url: URL): StreamOptions | string {
  const q = url.searchParams;
  const encoding = q.get('encoding');
  if (encoding !== 'mulaw') return 'This stand-in accepts encoding=mulaw only.';
  if (q.get('sample_rate') !== '8000') return 'This stand-in accepts sample_rate=8000 only.';
  if ((q.get('channels') ?? '1') !== '1') return 'This stand-in accepts channels=1 only.';
  const ep = q.get('endpointing');
  const endpointingMs = ep === 'false' ? null : ep === null ? 10 : Number(ep);
  if (endpointingMs !== null && (!Number.isInteger(endpointingMs) || endpointingMs < 0)) return 'endpointing must be false or milliseconds.';
  const ue = q.get('utterance_end_ms');
  const utteranceEndMs = ue === null ? null : Number(ue);
  if (utteranceEndMs !== null && (!Number.isInteger(utteranceEndMs) || utteranceEndMs < 1000)) return 'utterance_end_ms must be at least 1000.';
  const interim = q.get('interim_results') === 'true';
  if (utteranceEndMs !== null && !interim) return 'utterance_end_ms requires interim_results=true.';
  const phrases = [...q.getAll('keyterm'), ...q.getAll('keywords').map((k) => k.replace(/:[-\d.]+$/, ''))];
  return { interim, endpointingMs, utteranceEndMs, vadEvents: q.get('vad_events') === 'true', phrases };
}

function tokenOf(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  const m = auth ? /^(?:Token|Bearer)\s+(\S+)$/.exec(auth) : null;
  if (m) return m[1]!;
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  return protocols[0] === 'token' && protocols[1] ? protocols[1] : null;
}

export async function startSttStandIn(opts: SttStandInOptions = {}): Promise<StandIn> {
  const latencyMs = opts.latencyMs ?? 0;
  const interimLatencyMs = opts.interimLatencyMs ?? Math.min(latencyMs, INTERIM_PROCESSING_MS);
  const interimEveryMs = opts.interimEveryMs ?? INTERIM_EVERY_MS;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 10_000;
  const recognize = opts.recognize ?? recognizeMulaw;
  const projectId = randomUUID();
  const http = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/v1/projects') {
      const token = tokenOf(req);
      if (!token || (opts.apiKey !== undefined && token !== opts.apiKey)) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.', request_id: randomUUID() }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ projects: [{ project_id: projectId, name: 'devstack' }] }));
    }
    res.writeHead(426, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ err_code: 'UPGRADE_REQUIRED', err_msg: 'Connect with a WebSocket to /v1/listen.' }));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, handleProtocols: (p) => (p.has('token') ? 'token' : false) });

  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reject = (status: number, code: string, msg: string) => {
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Bad Request'}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify({ err_code: code, err_msg: msg })}`);
    };
    if (url.pathname !== '/v1/listen') return reject(400, 'NOT_FOUND', 'Unknown path.');
    const token = tokenOf(req);
    if (!token || (opts.apiKey !== undefined && token !== opts.apiKey)) return reject(401, 'INVALID_AUTH', 'Invalid credentials.');
    const parsed = parseQuery(url);
    if (typeof parsed === 'string') return reject(400, 'Bad Request', parsed);
    wss.handleUpgrade(req, socket, head, (ws) => serveStream(ws, parsed));
  });

  function serveStream(ws: WebSocket, so: StreamOptions): void {
    const requestId = randomUUID();
    const vocabulary = typeof opts.vocabulary === 'function' ? opts.vocabulary() : (opts.vocabulary ?? []);
    const phrases = [...vocabulary, ...so.phrases];
    const templates = phrases.length > 0 ? templatesFor(phrases) : Promise.resolve([]);
    templates.catch(() => undefined);
    let pending: Buffer = Buffer.alloc(0); // bytes not yet a whole frame
    let receivedMs = 0; // audio clock: ms of audio received so far
    let utterance: Buffer[] = [];
    let utteranceStartMs = 0;
    let speechMs = 0;
    let silenceMs = 0;
    let inSpeech = false;
    let lastSpeechEndMs: number | null = null;
    let lastInterimAtMs = 0;
    let recognizerBusy = false;
    let lookBusy = false;
    /** The utterance whose endpoint was found and whose final is not yet sent. */
    let settling: { no: number; audio: Buffer; startMs: number; endMs: number } | null = null;
    let lookPending = false;
    let lastInterim = { no: 0, endMs: -1 };
    // Utterances are numbered; an interim computed for one is not sent once that utterance's final has gone out.
    let utteranceNo = 0;
    let finalSentNo = 0;
    let lastRecognizerInterimMs = -Infinity;
    let closed = false;
    // Transcripts go out in order even though recognition is asynchronous.
    let outQueue: Promise<void> = Promise.resolve();
    let idleTimer: NodeJS.Timeout | null = null;

    const send = (msg: Record<string, unknown>) => {
      if (!closed && ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    const armIdle = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        send({ type: 'Error', description: 'No audio or KeepAlive received within the timeout window.', err_code: 'NET-0001' });
        ws.close(1011, 'NET-0001');
      }, idleTimeoutMs);
    };
    armIdle();

    const results = (text: string, startMs: number, endMs: number, isFinal: boolean, speechFinal: boolean) => {
      const words = text ? text.split(' ') : [];
      const dur = (endMs - startMs) / 1000;
      send({
        type: 'Results',
        channel_index: [0, 1],
        duration: dur,
        start: startMs / 1000,
        is_final: isFinal,
        speech_final: speechFinal,
        from_finalize: false,
        channel: {
          alternatives: [{
            transcript: text,
            confidence: text ? 0.8 : 0,
            words: words.map((w, i) => ({
              word: w,
              start: startMs / 1000 + (dur * i) / words.length,
              end: startMs / 1000 + (dur * (i + 1)) / words.length,
              confidence: 0.8,
              punctuated_word: w
            }))
          }]
        },
        metadata: { request_id: requestId, model_info: { name: 'standin-pocketsphinx', version: '0', arch: 'standin' }, model_uuid: requestId }
      });
    };

    const transcribe = async (audio: Buffer): Promise<string> => {
      const list = await templates.catch(() => []);
      if (list.length > 0) {
        const m = matchPhrase(features(decodeMulaw(audio)), list, PHRASE_THRESHOLD);
        if (m) return normalise(m.text);
      }
      return normalise(await recognize(audio).catch((err: Error) => {
        opts.log?.(`stt stand-in: recognition failed: ${err.message}`);
        return '';
      }));
    };

    const delayed = async (ms: number) => {
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    };

    /** Ends the current utterance: a final result (speech_final when the speaker paused), in order. */
    const finalize = (speechFinal: boolean) => {
      if (utterance.length === 0) return;
      const audio = Buffer.concat(utterance);
      const startMs = utteranceStartMs;
      const endMs = receivedMs;
      const no = ++utteranceNo;
      utterance = [];
      speechMs = 0;
      settling = { no, audio, startMs, endMs };
      const text = transcribe(audio);
      outQueue = outQueue.then(async () => {
        const t = await text;
        await delayed(latencyMs);
        finalSentNo = no;
        if (settling?.no === no) settling = null;
        results(t, startMs, endMs, true, speechFinal);
      });
    };

    /**
     * Sends an interim unless it is out of order: after its utterance's final (it would contradict it), ahead of the
     * previous utterance's final (it would jump the queue), or older than a guess already sent for the utterance.
     */
    const sendInterim = (no: number, text: string, startMs: number, endMs: number) => {
      if (!text || finalSentNo !== no - 1) return;
      if (no === lastInterim.no && endMs <= lastInterim.endMs) return;
      lastInterim = { no, endMs };
      results(text, startMs, endMs, false, false);
    };

    const interim = () => {
      const open = utterance.length > 0;
      if (!so.interim || (!open && !settling)) return;
      // One look at a time: audio that comes faster than real time is looked at once more when the look ends, at
      // its latest, rather than once per step it skipped.
      if (lookBusy) {
        lookPending = true;
        return;
      }
      lookBusy = true;
      const audio = open ? Buffer.concat(utterance) : settling!.audio;
      const startMs = open ? utteranceStartMs : settling!.startMs;
      const endMs = open ? receivedMs : settling!.endMs;
      const no = open ? utteranceNo + 1 : settling!.no;
      void (async () => {
        const list = await templates.catch(() => []);
        const spotted = list.length > 0 ? matchPhrasePrefix(features(decodeMulaw(audio)), list, PHRASE_THRESHOLD) : null;
        lookBusy = false;
        if (lookPending) {
          lookPending = false;
          interim();
        }
        if (spotted) {
          await delayed(interimLatencyMs);
          return sendInterim(no, normalise(spotted.text), startMs, endMs);
        }
        // A pocketsphinx run costs about half a second of CPU: free-speech interims are rationed, one run at a time,
        // and the looks go on meanwhile (a later guess that went out first makes this one stale).
        if (recognizerBusy || endMs - lastRecognizerInterimMs < RECOGNIZER_INTERIM_EVERY_MS) return;
        recognizerBusy = true;
        lastRecognizerInterimMs = endMs;
        const t = normalise(await recognize(audio).catch(() => '').finally(() => (recognizerBusy = false)));
        await delayed(interimLatencyMs);
        sendInterim(no, t, startMs, endMs);
      })();
    };

    /** The recogniser's clock is the audio, not its loudness: a look at every step of an open utterance. */
    const lookAgain = () => {
      if (receivedMs - lastInterimAtMs < interimEveryMs) return;
      lastInterimAtMs = receivedMs;
      interim();
    };

    const onFrame = (frame: Buffer) => {
      receivedMs += 20;
      const loud = rms(decodeMulaw(frame)) >= SPEECH_RMS;
      if (loud) {
        if (!inSpeech) {
          inSpeech = true;
          if (utterance.length === 0) {
            utteranceStartMs = receivedMs - 20;
            lastInterimAtMs = receivedMs;
            if (so.vadEvents) send({ type: 'SpeechStarted', channel: [0, 1], timestamp: utteranceStartMs / 1000 });
          }
        }
        silenceMs = 0;
        speechMs += 20;
        utterance.push(frame);
        if (receivedMs - utteranceStartMs >= MAX_UTTERANCE_MS) return finalize(false);
        lookAgain();
        return;
      }
      if (utterance.length > 0) {
        utterance.push(frame);
        silenceMs += 20;
        inSpeech = false;
        const ep = so.endpointingMs;
        if (ep !== null && silenceMs >= Math.max(ep, 20)) {
          lastSpeechEndMs = receivedMs - silenceMs;
          finalize(true);
          silenceMs = 0;
          return;
        }
        lookAgain();
      } else {
        // The endpoint is found but its final is still on its way: streaming recognition goes on meanwhile, and
        // its next look covers the whole utterance.
        if (settling) lookAgain();
        if (so.utteranceEndMs !== null && lastSpeechEndMs !== null && receivedMs - lastSpeechEndMs >= so.utteranceEndMs) {
          const lastWordEnd = lastSpeechEndMs / 1000;
          lastSpeechEndMs = null;
          outQueue = outQueue.then(() => send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: lastWordEnd }));
        }
      }
    };

    const closeStream = () => {
      finalize(true);
      void outQueue.then(() => {
        send({ type: 'Metadata', transaction_key: 'deprecated', request_id: requestId, sha256: '', created: new Date().toISOString(), duration: receivedMs / 1000, channels: 1 });
        ws.close(1000);
      });
    };

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      armIdle();
      if (isBinary) {
        pending = pending.length ? Buffer.concat([pending, data]) : data;
        let i = 0;
        for (; i + FRAME <= pending.length; i += FRAME) onFrame(pending.subarray(i, i + FRAME));
        pending = pending.subarray(i);
        return;
      }
      let msg: { type?: unknown };
      try {
        msg = JSON.parse(data.toString('utf8')) as { type?: unknown };
      } catch {
        send({ type: 'Error', description: 'Text messages must be JSON control messages.', err_code: 'INVALID_MESSAGE' });
        return;
      }
      if (msg.type === 'KeepAlive') return;
      if (msg.type === 'Finalize') return finalize(false);
      if (msg.type === 'CloseStream') return closeStream();
      send({ type: 'Error', description: `Unknown control message ${String(msg.type)}.`, err_code: 'INVALID_MESSAGE' });
    });
    ws.on('close', () => {
      closed = true;
      if (idleTimer) clearTimeout(idleTimer);
    });
    ws.on('error', () => undefined);
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.closeAllConnections();
      http.close(() => resolve());
    })
  };
}
