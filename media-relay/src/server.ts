// The relay's HTTP and WebSocket server: /twilio/stream (Twilio Media Streams: phone calls, and browser calls through
// Twilio's Voice SDK), /browser/stream (the browser softphone, on when Supabase Auth is configured; same message
// format, protocol in browser_stream.ts), /healthz (the process serves), /readyz (it can carry a call: database and
// vendors reachable, not draining), /metrics (Prometheus) and /metrics.json (the same counts as JSON).
// Admission comes before spending. A Twilio stream must carry Twilio's signature on the upgrade (when an auth token
// is configured) and then send a `start` whose stream token (<Parameter name="stream_token">) verifies; a browser
// stream must send a `start` with a live Supabase session and the user's own browser call. Either way, for a call
// that has no other socket, within the start timeout. Until then no provider is touched. One CallSession per socket.
// Draining (SIGTERM, main.ts): new streams are refused with 503 and /readyz answers 503, so the load balancer sends new
// calls elsewhere, while the calls already here run to their end; drain() resolves when the last one has ended.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { withFields, type Log } from '../../core/src/log_line.ts';
import { decodeBase64, parseInboundMessage, type StartMessage } from '../../core/src/media_streams.ts';
import { admitBrowserStart, BROWSER_STREAM_PATH, type BrowserAuthVerifier } from './browser_stream.ts';
import { callClock } from './call_clock.ts';
import type { CallStore } from './call_store.ts';
import { CallSession } from './call_session.ts';
import type { RelayConfig } from './config.ts';
import { jsonLogger } from './logger.ts';
import { readMediaFrame } from './media_frames.ts';
import { RelayMetrics } from './metrics.ts';
import type { Providers } from './provider_contracts.ts';
import type { Readiness } from './readiness.ts';
import type { StreamTokenVerifier } from './stream_token.ts';
import { twilioTelephony } from './twilio_media_stream.ts';
import type { TurnPolicy } from './turn_taking.ts';
import { checkUpgradeSignature } from './twilio_upgrade_signature.ts';

export const STREAM_PATH = '/twilio/stream';

/** WebSocket close codes used on the stream socket. */
export const CLOSE = {
  normal: 1000,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policy: 1008,
  tooBig: 1009,
  serverError: 1011,
  tryAgainLater: 1013
} as const;

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
const MAX_BAD_FRAMES = 20;
const HEARTBEAT_MS = 30_000;
/** A caller frame this far behind its place in the stream (against the stream's most punctual frame) is late. */
export const LATE_FRAME_MS = 250;
// A request id a proxy in front sets (x-request-id) ties our lines to its access log; kept short and printable.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RelayServerDeps {
  config: Pick<RelayConfig, 'host' | 'port' | 'maxPayloadBytes' | 'startTimeoutMs' | 'turns'> & { llm: Pick<RelayConfig['llm'], 'maxRetries'> } & Partial<Pick<RelayConfig, 'twilioSignature' | 'answering'>>;
  verifier: StreamTokenVerifier;
  /** Admits browser softphone streams; without it /browser/stream is refused. */
  browserAuth?: BrowserAuthVerifier;
  store: CallStore;
  /** Built only for admitted calls; tests pass spies here to prove nothing is built before admission. */
  providers: () => Providers;
  log?: Log;
  /** Made by the caller to share it with the providers (vendor errors inside the LLM failover); else one of its own. */
  metrics?: RelayMetrics;
  /** What /readyz checks besides draining; without it the relay is ready while it is not draining. */
  readiness?: Readiness;
  now?: () => number;
}

export interface RelayServer {
  url: string;
  port: number;
  metrics: RelayMetrics;
  /** Live sessions by call id (for diagnostics and tests). */
  sessions: ReadonlyMap<string, CallSession>;
  readonly draining: boolean;
  /**
   * Stops taking new streams (upgrades answered 503, /readyz 503) and resolves once every call on this relay has
   * ended and been written; streams already connected but not yet started are still admitted.
   */
  drain: () => Promise<void>;
  /** Stops at once: live calls are ended (relay_error), sockets closed, the port released. */
  close: () => Promise<void>;
}

/**
 * A call's turn policy: it ends at its own time limit (calls.max_duration_seconds), never past the relay's ceiling
 * (`base.maxDurationMs`). The limit is the only hard stop of a browser call, and on the phone Twilio ends the call
 * at the same limit (TimeLimit), so the persona starts its goodbye a little before (a quarter of the call at most,
 * 5 s on real calls).
 */
export function callPolicy(base: TurnPolicy, callSeconds: number): TurnPolicy {
  const limitMs = Math.min(callSeconds * 1000, base.maxDurationMs);
  return { ...base, maxDurationMs: limitMs - Math.min(5000, limitMs / 4) };
}

export async function startRelayServer(deps: RelayServerDeps): Promise<RelayServer> {
  const log = deps.log ?? jsonLogger();
  const now = deps.now ?? (() => performance.now());
  const metrics = deps.metrics ?? new RelayMetrics();
  const sessions = new Map<string, CallSession>();
  const claimed = new Set<string>(); // call ids admitted or being admitted
  // Streams connected but neither live nor closed yet: a drain waits for them too.
  const unsettled = new Set<object>();
  let draining = false;
  let drained: (() => void) | null = null;
  const checkDrained = () => {
    if (draining && drained && sessions.size === 0 && unsettled.size === 0) drained();
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const http: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      // Liveness only: a draining relay is healthy (restarting it would cut its live calls).
      return sendJson(res, 200, { ok: true, draining, active_calls: metrics.activeCalls });
    }
    if (req.method === 'GET' && path === '/readyz') {
      if (draining) return sendJson(res, 503, { ready: false, draining: true, failing: ['draining'], active_calls: metrics.activeCalls });
      if (!deps.readiness) return sendJson(res, 200, { ready: true, failing: [], checks: {} });
      deps.readiness.report().then(
        (r) => sendJson(res, r.ready ? 200 : 503, r),
        (err: Error) => sendJson(res, 503, { ready: false, failing: ['readiness'], error: err.message })
      );
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      metrics.exposition().then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType });
          res.end(body);
        },
        (err: Error) => sendJson(res, 500, { error: { code: 'internal_error', message: err.message } })
      );
      return;
    }
    if (req.method === 'GET' && path === '/metrics.json') return sendJson(res, 200, metrics.snapshot());
    sendJson(res, 404, { error: { code: 'not_found', message: `No route ${req.method} ${path}.` } });
  });

  // Deflate is off: audio does not compress, and ws limits concurrent deflate work anyway.
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.config.maxPayloadBytes, perMessageDeflate: false });

  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    const [path, rawQuery = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const streamLog = withFields(log, { request_id: requestId });
    const refuseUpgrade = (status: string, reason: string) => {
      metrics.streamRejected(reason);
      streamLog('relay.stream.refused', { level: 'warn', reason, path });
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (draining) return refuseUpgrade('503 Service Unavailable', 'draining');
    if (path === STREAM_PATH) {
      const sig = deps.config.twilioSignature;
      if (sig) {
        const check = checkUpgradeSignature(req.headers['x-twilio-signature'], sig.streamUrl, rawQuery, sig.authTokens);
        if (!check.ok) return refuseUpgrade('403 Forbidden', check.reason);
      }
      return wss.handleUpgrade(req, socket, head, (ws) => serveStream(ws, socket, 'twilio', streamLog));
    }
    if (path === BROWSER_STREAM_PATH) {
      if (!deps.browserAuth) return refuseUpgrade('404 Not Found', 'browser_stream_off');
      return wss.handleUpgrade(req, socket, head, (ws) => serveStream(ws, socket, 'browser', streamLog));
    }
    refuseUpgrade('404 Not Found', 'unknown_path');
  });

  const policy: TurnPolicy = {
    bargeInSpeechMs: deps.config.turns.bargeInSpeechMs,
    bargeInWords: deps.config.turns.bargeInWords,
    silenceMs: deps.config.turns.silenceMs,
    maxDurationMs: deps.config.turns.maxCallSeconds * 1000,
    closingGraceMs: 8000,
    budgetHangupMs: 2000
  };

  const policyFor = (callSeconds: number): TurnPolicy => callPolicy(policy, callSeconds);

  /** Who the `start` says it is, checked per kind of stream: the call it may open, or why not. */
  async function authorize(kind: 'twilio' | 'browser', msg: StartMessage): Promise<{ ok: true; callId: string } | { ok: false; code: number; reason: string }> {
    const { callSid, customParameters } = msg.start;
    if (kind === 'browser') return admitBrowserStart(msg, deps.browserAuth!, deps.store);
    if (!CALL_SID.test(callSid)) return { ok: false, code: CLOSE.policy, reason: 'call_sid_invalid' };
    const verdict = await deps.verifier.verify(customParameters.stream_token, callSid).catch((err: Error) => {
      log('relay.stream.verify_failed', { level: 'error', err });
      return null;
    });
    if (!verdict) return { ok: false, code: CLOSE.tryAgainLater, reason: 'verifier_unavailable' };
    if (!verdict.ok) return { ok: false, code: CLOSE.policy, reason: verdict.reason };
    if (customParameters.call_id !== undefined && customParameters.call_id !== verdict.callId) return { ok: false, code: CLOSE.policy, reason: 'call_id_mismatch' };
    return { ok: true, callId: verdict.callId };
  }

  function serveStream(ws: WebSocket, socket: Duplex, kind: 'twilio' | 'browser', streamLog: Log): void {
    let stage: 'awaiting_start' | 'admitting' | 'live' | 'closed' = 'awaiting_start';
    let session: CallSession | null = null;
    let callId: string | null = null;
    let badFrames = 0;
    let alive = true;
    let punctual = Infinity; // smallest (arrival - stream timestamp) seen: the stream's most punctual frame
    const token = {};
    unsettled.add(token);
    const settle = () => {
      unsettled.delete(token);
      checkDrained();
    };

    const refuse = (code: number, reason: string) => {
      if (stage === 'closed') return;
      metrics.streamRejected(reason);
      streamLog('relay.stream.refused', { level: 'warn', reason, kind });
      stage = 'closed';
      settle();
      ws.close(code, reason);
    };
    const startTimer = setTimeout(() => refuse(CLOSE.policy, 'start_timeout'), deps.config.startTimeoutMs);
    const stopHeartbeat = callClock.every(HEARTBEAT_MS, () => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    });
    ws.on('pong', () => (alive = true));

    const admit = async (msg: StartMessage) => {
      stage = 'admitting';
      clearTimeout(startTimer);
      const { callSid } = msg.start;
      const verdict = await authorize(kind, msg).catch((err: Error) => {
        streamLog('relay.stream.authorize_failed', { level: 'error', err });
        return { ok: false as const, code: CLOSE.tryAgainLater, reason: 'verifier_unavailable' };
      });
      if (stage !== 'admitting') return; // the socket went away while we checked
      if (!verdict.ok) return refuse(verdict.code, verdict.reason);
      if (claimed.has(verdict.callId)) return refuse(CLOSE.policy, 'call_already_connected');
      claimed.add(verdict.callId);
      callId = verdict.callId;
      const call = await deps.store.loadCall(verdict.callId).catch(() => null);
      if (stage !== 'admitting') return release();
      if (!call) {
        release();
        return refuse(CLOSE.policy, 'call_not_found');
      }
      if (kind === 'browser') {
        // No carrier reports a softphone call's progress: the relay does, once the call is really going to run. A
        // browser call placed through Twilio's Voice SDK arrives on the Twilio stream instead, admitted by its stream
        // token like a phone call, and Twilio's status callbacks drive it.
        const started = await deps.store.startBrowserCall(call.callId).catch((err: Error) => {
          streamLog('relay.stream.browser_start_failed', { level: 'error', call_id: call.callId, err });
          return null;
        });
        if (stage !== 'admitting') return release();
        if (started !== true) {
          release();
          return refuse(started === null ? CLOSE.tryAgainLater : CLOSE.policy, started === null ? 'store_unavailable' : 'call_finished');
        }
      }
      metrics.callAdmitted();
      const callLog = withFields(streamLog, { call_id: call.callId });
      const s = new CallSession({
        callSid,
        streamSid: msg.streamSid,
        call: kind === 'browser' ? { ...call, mode: 'browser' } : call,
        transport: kind === 'twilio' ? 'twilio' : 'softphone',
        telephony: twilioTelephony(ws, socket, msg.streamSid, () => {
          metrics.error('line_stalled');
          callLog('relay.stream.line_stalled', { level: 'warn' });
          ws.terminate();
        }, (reason) => metrics.frameDropped('outbound', reason)),
        providers: deps.providers(),
        store: deps.store,
        policy: policyFor(call.maxDurationSeconds),
        llmMaxRetries: deps.config.llm.maxRetries,
        ...(deps.config.answering ? { answering: deps.config.answering } : {}),
        metrics,
        log: callLog,
        ...(deps.now ? { now: deps.now } : {}),
        onEnded: (reason) => {
          metrics.callEnded(reason);
          sessions.delete(call.callId);
          release();
          callLog('relay.call.ended', { reason, active_calls: metrics.activeCalls });
          checkDrained();
        }
      });
      session = s;
      sessions.set(call.callId, s);
      stage = 'live';
      settle();
      callLog('relay.stream.admitted', { kind, call_sid: callSid, active_calls: metrics.activeCalls });
      await s.start();
    };

    const release = () => {
      if (callId && !sessions.has(callId)) claimed.delete(callId);
    };

    const badFrame = (code: number, reason: string) => {
      metrics.malformedFrame();
      // Before admission any garbage ends the socket; during a call a stray frame is dropped, a flood is not.
      if (stage === 'awaiting_start' || ++badFrames > MAX_BAD_FRAMES) refuse(code, reason);
    };

    const onMedia = (track: string, timestamp: number, mulaw: Uint8Array) => {
      if (stage === 'awaiting_start') return refuse(CLOSE.policy, 'start_required');
      if (track !== 'inbound') return;
      // Twilio starts sending as soon as it has sent `start`; what arrives while we admit is not heard.
      if (!session) return metrics.frameDropped('inbound', 'before_admission');
      const behind = now() - timestamp;
      punctual = Math.min(punctual, behind);
      if (behind - punctual > LATE_FRAME_MS) metrics.frameLate();
      session.onAudio(mulaw);
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (stage === 'closed') return;
      if (isBinary) return badFrame(CLOSE.unsupportedData, 'binary_frame');
      // Fifty media frames a second per call: read them from their bytes (media_frames.ts), the rest in full.
      const media = Buffer.isBuffer(data) ? readMediaFrame(data) : null;
      if (media) return onMedia(media.track, media.timestamp, media.mulaw);
      const parsed = parseInboundMessage(data.toString());
      if (!parsed.ok) {
        if (parsed.error.code === 'stream_event_unknown' && stage !== 'awaiting_start') return; // newer event: skip
        return badFrame(CLOSE.invalidPayload, 'malformed_frame');
      }
      const msg = parsed.value;
      switch (msg.event) {
        case 'connected':
          return;
        case 'start':
          if (stage !== 'awaiting_start') return badFrame(CLOSE.policy, 'duplicate_start');
          void admit(msg).catch((err: Error) => {
            streamLog('relay.stream.admit_error', { level: 'error', err, stack: err.stack });
            refuse(CLOSE.serverError, 'admit_error');
          });
          return;
        case 'media':
          return onMedia(msg.media.track, Number(msg.media.timestamp), decodeBase64(msg.media.payload));
        case 'mark':
          session?.onMark(msg.mark.name);
          return;
        case 'stop':
          session?.onCallerHangup();
          return;
        case 'dtmf':
          return;
      }
    });

    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        metrics.malformedFrame();
        metrics.streamRejected('frame_too_large');
      } else metrics.error('socket');
    });

    ws.on('close', () => {
      clearTimeout(startTimer);
      stopHeartbeat();
      const wasAdmitting = stage === 'admitting';
      stage = 'closed';
      if (session) session.onCallerHangup();
      else if (wasAdmitting) release();
      settle();
    });
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(deps.config.port, deps.config.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  // A call ended elsewhere (cancelled in the app, hung up, failed) ends its media here at once, on whichever relay
  // carries it; the others hold no session for it.
  const endedCalls = deps.store.watchEndedCalls?.((callId) => {
    const s = sessions.get(callId);
    if (!s || s.isEnded) return;
    log('relay.call.ended_elsewhere', { call_id: callId });
    void s.endedElsewhere();
  }, () => [...sessions.keys()]);

  let drainDone: Promise<void> | null = null;
  return {
    url: `http://${deps.config.host}:${port}`,
    port,
    metrics,
    sessions,
    get draining() {
      return draining;
    },
    drain: () => {
      drainDone ??= new Promise<void>((resolve) => {
        draining = true;
        metrics.setDraining(true);
        log('relay.draining', { active_calls: metrics.activeCalls, connecting: unsettled.size });
        drained = resolve;
        checkDrained();
      });
      return drainDone;
    },
    close: async () => {
      draining = true;
      metrics.setDraining(true);
      await Promise.all([...sessions.values()].map((s) => s.end('relay_error').catch(() => undefined)));
      await endedCalls?.close();
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  };
}
