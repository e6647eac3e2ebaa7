// Capacity of one relay process: the most concurrent simulated calls it carries with real-time 20 ms μ-law frames
// in both directions while the outbound frame jitter stays under 20 ms at p99. Jitter of a frame = how much later
// than its schedule it reached the phone, relative to the call's most punctual frame in the window (frame i is due
// i x 20 ms after the first; RFC 3550's idea of transit variation), so a late burst counts each frame's lateness
// once and two frames read together do not count as jitter. Providers are zero-latency fakes in the relay's
// process, so this measures the relay alone; the persona talks the whole time (its speech synthesis delivers each
// sentence faster than real time, as ElevenLabs does, so the line queues it and sends a frame on each tick of the call
// clock, the path production takes, see twilio_media_stream.ts; with BENCH_VENDOR=frames it delivers a frame every
// 20 ms in real time instead, and each goes out as it comes) and the phones send silence (no turn changes).
// Baseline in the same run: a bare `ws` echo server carrying the same message rate (each phone frame echoed straight
// back), stepped up the same way. Servers run in a child process of
// their own (a fresh one per run); the phones run in PHONE_PROCS processes of their own, so the load generator is not
// the server's bottleneck nor its own: each phone process paces all its calls with one clock, and the processes'
// clocks share one epoch, offset within the 20 ms period so their bursts do not coincide. Each step prints the CPU
// the server and the phones used in the window (100 % = one core), so a saturated load generator shows. The
// machine is shared and its speed drifts (the same server at the same load has used 45 % of a core in one minute and
// 79 % in another), so the two servers are stepped up together, each step measured on the relay and then at once on
// the echo server: a slow spell falls on both. A step that breaks is measured once more before it counts. RUNS such
// runs, and the median of each server's capacity is what counts; the spread and the load average are printed too.
// Then both servers run once more at the relay's median capacity under --cpu-prof, and the functions with the most
// self time are listed side by side.
// Run: node bench/relay_capacity.bench.ts        (prints the call count and the ratio to the echo server)
//      BENCH_PHONE_PROCS=n phone processes (default 2); BENCH_RUNS=n runs (default 3);
//      BENCH_PHASES=n phases the fake vendors' streams are spread over (default 4); BENCH_VENDOR=frames for a vendor
//      that delivers in real time (see VENDOR).
//      Looking into a result: BENCH_PROFILE_AT=calls (only the two profiles, kept on disk), BENCH_CPU_AT=calls (only
//      the CPU each server uses at that load, RUNS times, alternating, on servers kept warm), BENCH_SERVER_FLAGS
//      (node flags for the servers, e.g. --trace-gc, printed with BENCH_DEBUG=1), BENCH_HEAP_SAMPLES=path (where
//      the servers allocate, collected objects included).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { MULAW_BYTES_PER_MS, MULAW_FRAME_BYTES, MULAW_SILENCE } from '../core/src/mulaw.ts';
import type { CallContext, CallOwnership, CallStore, RunningCharge } from '../media-relay/src/call_store.ts';
import type { Providers } from '../media-relay/src/providers.ts';
import type { TtsEvent } from '../media-relay/src/provider_contracts.ts';
import { startRelayServer } from '../media-relay/src/server.ts';
import { HmacStreamTokenVerifier, mintStreamToken } from '../media-relay/src/stream_token.ts';
import { summary } from './stats.ts';

const SECRET = 'bench-secret-of-at-least-32-characters!';
const FRAME_MS = 20;
const JITTER_P99_LIMIT_MS = 20;
// 50 apart where either server breaks on these machines (400 to 1000), so a step's width moves the ratio by at most
// about 0.07 there; coarser beyond.
const STEPS = [50, 100, 200, 300, 400, 450, 500, 550, 600, 650, 700, 750, 800, 850, 900, 950, 1000, 1200, 1500, 2000];
const WARMUP_MS = 1500;
// Long enough that one stall of the shared machine (a few frames late on every call) is not 1 % of the frames.
const WINDOW_MS = 5000;
const TARGET_CALLS = 500;
const TARGET_RATIO = 0.8;
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const PROFILE_TOP = 15;
/** Synthesis streams are spread over this many phases of the 20 ms period. */
const PHASES = Math.max(1, Number(process.env.BENCH_PHASES ?? 4));
const PHONE_PROCS = Math.max(1, Number(process.env.BENCH_PHONE_PROCS ?? 2));
const SELF = fileURLToPath(import.meta.url);

type Kind = 'relay' | 'echo';

// ---------------------------------------------------------------- servers (child process) ----

/**
 * Calls `onTick` every 20 ms on an absolute schedule (each timer aims at start + k x 20 ms, so lateness does not
 * accumulate), making up missed ticks at once. Both sides pace their frames with it.
 */
function pacedTicker(onTick: () => void, t0 = performance.now()): () => void {
  let k = 0;
  let timer: NodeJS.Timeout;
  const run = () => {
    const due = Math.floor((performance.now() - t0) / FRAME_MS);
    for (; k < due; k++) onTick();
    timer = setTimeout(run, Math.max(0, t0 + (k + 1) * FRAME_MS - performance.now()));
  };
  timer = setTimeout(run, Math.max(0, t0 + FRAME_MS - performance.now()));
  return () => clearTimeout(timer);
}

/**
 * A clock for synthesis streams: a stream is due one 160-byte frame per tick since it started. Independent calls'
 * vendors do not deliver in step, so the streams are spread over PHASES clocks offset within the 20 ms period;
 * one clock for all of them would land every call's frame on the relay in the same instant, a burst no real
 * traffic makes.
 */
function frameClock(t0: number) {
  // Every stream waits on the same promise for the next tick: one allocation per tick, not one per stream.
  let release: () => void = () => undefined;
  let next = new Promise<void>((r) => (release = r));
  const clock = { ticks: 0, wait: () => next };
  pacedTicker(() => {
    clock.ticks++;
    const due = release;
    next = new Promise<void>((r) => (release = r));
    due();
  }, t0);
  return clock;
}

/**
 * How the fake vendors speak. `chunks` (the default): an answer of many sentences, each synthesised as ElevenLabs
 * delivers audio, 100 ms chunks five times faster than real time, so the line queues them and sends a frame on each
 * tick of the call clock (the path production takes). `frames`: one long sentence whose synthesis delivers a 20 ms
 * frame every 20 ms, in real time, so each goes out as it comes and the vendor's stream costs a promise a frame; no
 * speech vendor streams that way, so it is a harsher case than production, kept for comparison.
 */
const VENDOR = process.env.BENCH_VENDOR === 'frames' ? 'frames' : 'chunks';
/** What the fake LLM answers, and how each sentence of it is synthesised: `perStream` chunks of `chunkBytes`. */
const SPEECH = VENDOR === 'chunks'
  ? {
    // 80 sentences of 5 s each in 100 ms chunks: the answer outlasts any step.
    answer: Array.from({ length: 80 }, (_, k) => `This is sentence number ${k} of a long story. `).join(''),
    chunkBytes: 100 * MULAW_BYTES_PER_MS,
    perStream: 50
  }
  : {
    // One sentence of five minutes, a frame at a time.
    answer: 'Hello there, this is a very long story told to measure how many calls one relay carries.',
    chunkBytes: MULAW_FRAME_BYTES,
    perStream: (5 * 60_000) / FRAME_MS
  };

function fakeProviders(): Providers {
  const start = performance.now();
  const clocks = Array.from({ length: PHASES }, (_, i) => frameClock(start + (i * FRAME_MS) / PHASES));
  let streams = 0;
  const audio = new Uint8Array(SPEECH.chunkBytes).fill(0x2a);
  const { answer, perStream } = SPEECH;
  return {
    stt: { info: { service: 'deepgram', model: 'fake' }, open: async () => ({ sendAudio: () => undefined, close: async () => ({ audioSeconds: 0 }) }) },
    llm: {
      info: { service: 'cerebras', model: 'fake' },
      async *stream() {
        yield { type: 'text' as const, delta: answer };
        yield { type: 'usage' as const, promptTokens: 100, completionTokens: 20 };
      }
    },
    tts: {
      info: { service: 'elevenlabs', model: 'fake' },
      // An iterator by hand, not an async generator: the vendor's cost is not the relay's, so the stand-in should
      // spend as little as it can (one promise per chunk, the same result object every time).
      synthesize(_text, { signal }): AsyncIterable<TtsEvent> {
        const clock = clocks[streams++ % PHASES]!;
        const startTick = clock.ticks;
        let sent = 0;
        const more: IteratorResult<TtsEvent> = { value: { type: 'audio', mulaw: audio }, done: false };
        const over: IteratorResult<TtsEvent> = { value: undefined, done: true };
        const next = async (): Promise<IteratorResult<TtsEvent>> => {
          if (signal.aborted || sent >= perStream) return over;
          // A chunk is due for each tick since the stream started; wait for the tick only when none is.
          while (clock.ticks - startTick <= sent) {
            await clock.wait();
            if (signal.aborted) return over;
          }
          sent++;
          return more;
        };
        return { [Symbol.asyncIterator]: () => ({ next }) };
      }
    }
  };
}

/** Transcripts and costs are written in the background and are not what this measures: they are dropped. */
class DiscardingStore implements CallStore {
  async loadCall(callId: string): Promise<CallContext> {
    return { callId, personaName: 'Alex', systemPrompt: 'You are Alex.', voiceId: 'alex', maxDurationSeconds: 900, cutoffCents: null, warnCents: null };
  }
  async callOwnership(): Promise<CallOwnership | null> { return null; }
  async startBrowserCall(): Promise<boolean> { return false; }
  async broadcastInterim(): Promise<void> {}
  async saveTranscript(): Promise<void> {}
  async recordUsage(): Promise<RunningCharge> { return { chargeCents: 0, warnCents: null, cutoffCents: null, unpriced: 0 }; }
  async saveCallSummary(): Promise<string> { return 'discarded'; }
  async saveTurnLatencies(): Promise<void> {}
  async finishCall(): Promise<void> {}
}

async function serve(kind: string): Promise<void> {
  // A clean exit writes the CPU profile (--cpu-prof) when the bench stops this server.
  const heapFile = process.env.BENCH_HEAP_SAMPLES;
  if (heapFile) {
    // Where the garbage comes from: V8's sampling heap profiler, counting objects the collector already freed too.
    const { Session } = await import('node:inspector/promises');
    const inspector = new Session();
    inspector.connect();
    await inspector.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    process.on('SIGTERM', () => void inspector.post('HeapProfiler.stopSampling').then((r) => {
      writeFileSync(`${heapFile}.${kind}.json`, JSON.stringify(r.profile));
      process.exit(0);
    }));
  } else process.on('SIGTERM', () => process.exit(0));
  if (kind === 'relay') {
    const providers = fakeProviders();
    const relay = await startRelayServer({
      config: {
        host: '127.0.0.1', port: 0, maxPayloadBytes: 64 * 1024, startTimeoutMs: 10_000,
        turns: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 120_000, maxCallSeconds: 900 },
        llm: { maxRetries: 0 }
      },
      verifier: new HmacStreamTokenVerifier({ secret: SECRET }),
      store: new DiscardingStore(),
      providers: () => providers,
      log: () => undefined
    });
    console.log(`PORT ${relay.port}`);
    if (process.env.BENCH_DEBUG) setInterval(() => console.error(`DEBUG sessions ${relay.sessions.size} heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`), 1000).unref();
  } else {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 64 * 1024 });
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    await new Promise<void>((r) => wss.once('listening', () => r()));
    console.log(`PORT ${(wss.address() as { port: number }).port}`);
  }
}

// ---------------------------------------------------------------- phones (this process) ----

async function startServer(kind: Kind, profileDir?: string): Promise<{ port: number; child: ChildProcess }> {
  // BENCH_SERVER_FLAGS: extra node flags for the server (e.g. --trace-gc), when looking into a result.
  const flags = [...(process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean), ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const child = spawn(process.execPath, [...flags, SELF, '--serve', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (l) => {
      const m = /^PORT (\d+)$/.exec(l);
      if (m) resolve(Number(m[1]));
      else if (process.env.BENCH_DEBUG) console.error(`  [${kind}] ${l}`);
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return { port, child };
}

interface Phone {
  ws: WebSocket;
  streamSid: string;
  seq: number;
  chunk: number;
  /** Media frames received since the stream started (the index of the next one). */
  index: number;
  /** arrival - index x 20 ms, for the frames of the window. */
  offsets: number[];
}

const PAYLOAD = Buffer.alloc(MULAW_FRAME_BYTES, MULAW_SILENCE).toString('base64');
const MEDIA_PREFIX = Buffer.from('{"event":"media"');

function sendFrame(p: Phone): void {
  p.chunk++;
  p.ws.send(`{"event":"media","sequenceNumber":"${p.seq++}","streamSid":"${p.streamSid}","media":{"track":"inbound","chunk":"${p.chunk}","timestamp":"${p.chunk * FRAME_MS}","payload":"${PAYLOAD}"}}`);
}

interface StepOrder { kind: Kind; port: number; from: number; calls: number; step: number }
interface StepResult { offsets: Float64Array[]; connected: number; cpuMs: number }

/** In a phone process: whether arrivals are being recorded (the measured window). */
let measuring = false;

/** A phone process: connects its share of the calls, then on `run` speaks on the shared epoch and reports. */
async function phoneProcess(): Promise<void> {
  let phones: Phone[] = [];
  process.on('message', (raw) => void (async () => {
    const msg = raw as { cmd: 'connect'; order: StepOrder } | { cmd: 'run'; epoch: number; phase: number } | { cmd: 'exit' };
    if (msg.cmd === 'exit') process.exit(0);
    if (msg.cmd === 'connect') {
      phones = await connectPhones(msg.order);
      process.send!({ connected: phones.length });
      return;
    }
    // The epoch is wall time (ms since 1970, sub-ms): the same instant in every process.
    const t0 = msg.epoch - performance.timeOrigin + msg.phase;
    const result = await speak(phones, t0);
    process.send!(result);
  })());
}

async function connectPhones(o: StepOrder): Promise<Phone[]> {
  const phones: Phone[] = [];
  const path = o.kind === 'relay' ? '/twilio/stream' : '/';
  for (let i = 0; i < o.calls; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, o.calls - i) }, async (_, j) => {
      const n = o.from + i + j;
      const ws = new WebSocket(`ws://127.0.0.1:${o.port}${path}`, { perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
      ws.on('error', () => undefined);
      const p: Phone = { ws, streamSid: `MZ${String(o.step).padStart(4, '0')}${String(n).padStart(28, '0')}`, seq: 1, chunk: 0, index: 0, offsets: [] };
      ws.on('message', (data: Buffer) => {
        // Only the arrival time of media frames matters: the event name is compared as bytes, nothing is parsed.
        if (data.length < MEDIA_PREFIX.length || data.compare(MEDIA_PREFIX, 0, MEDIA_PREFIX.length, 0, MEDIA_PREFIX.length) !== 0) return;
        if (measuring) p.offsets.push(performance.now() - p.index * FRAME_MS);
        p.index++;
      });
      if (o.kind === 'relay') {
        const callSid = `CA${String(o.step).padStart(4, '0')}${String(n).padStart(28, '0')}`;
        const token = mintStreamToken({ callId: `cap-${o.step}-${n}`, callSid, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);
        ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
        ws.send(JSON.stringify({ event: 'start', sequenceNumber: String(p.seq++), streamSid: p.streamSid, start: { accountSid: `AC${'0'.repeat(32)}`, streamSid: p.streamSid, callSid, tracks: ['inbound'], customParameters: { stream_token: token }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }));
      }
      phones.push(p);
    }));
  }
  return phones;
}

/** Every phone speaks (silence) every 20 ms from `t0`, on one clock, catching up if a tick is late. */
async function speak(phones: Phone[], t0: number): Promise<StepResult> {
  const stopTicker = pacedTicker(() => {
    for (const p of phones) if (p.ws.readyState === WebSocket.OPEN) sendFrame(p);
  }, t0);
  const until = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));
  await until(t0 + WARMUP_MS);
  const cpu = process.cpuUsage();
  measuring = true;
  await until(t0 + WARMUP_MS + WINDOW_MS);
  measuring = false;
  const used = process.cpuUsage(cpu);
  stopTicker();
  const connected = phones.filter((p) => p.ws.readyState === WebSocket.OPEN).length;
  const offsets = phones.map((p) => Float64Array.from(p.offsets));
  for (const p of phones) p.ws.terminate();
  return { offsets, connected, cpuMs: (used.user + used.system) / 1000 };
}

/** CPU time (ms) a process has used so far, from /proc (Linux); null elsewhere. */
function processCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return null;
  }
}

/**
 * Waits until the process has used under 5 % of a core over 100 ms (at most 10 s), and returns how long that took:
 * a server still tearing hundreds of calls down would take CPU from the next step's measurement.
 */
async function untilQuiet(pid: number): Promise<number> {
  const start = performance.now();
  let before = processCpuMs(pid);
  while (before !== null && performance.now() - start < 10_000) {
    await new Promise((r) => setTimeout(r, 100));
    const now = processCpuMs(pid);
    if (now === null || now - before < 5) break;
    before = now;
  }
  return performance.now() - start;
}

type PhoneProc = { child: ChildProcess; next: () => Promise<unknown> };

function startPhones(): PhoneProc[] {
  return Array.from({ length: PHONE_PROCS }, () => {
    const child = fork(SELF, ['--phones'], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const inbox: unknown[] = [];
    const waiting: ((m: unknown) => void)[] = [];
    child.on('message', (m) => (waiting.length ? waiting.shift()!(m) : inbox.push(m)));
    return { child, next: () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => waiting.push(r))) };
  });
}

/** Runs `calls` phones (shared among the phone processes) for the window: jitter samples, delivery, CPU used. */
async function runStep(phoneProcs: PhoneProc[], kind: Kind, port: number, serverPid: number, calls: number, step: number): Promise<{ jitter: number[]; delivered: number; connected: number; serverCpu: number | null; phoneCpu: number; settledMs: number }> {
  const share = Math.ceil(calls / phoneProcs.length);
  const orders = phoneProcs.map((_, i) => ({ kind, port, from: i * share, calls: Math.max(0, Math.min(share, calls - i * share)), step }));
  phoneProcs.forEach((p, i) => p.child.send({ cmd: 'connect', order: orders[i] }));
  await Promise.all(phoneProcs.map((p) => p.next()));
  const epoch = performance.timeOrigin + performance.now() + 200;
  phoneProcs.forEach((p, i) => p.child.send({ cmd: 'run', epoch, phase: (i * FRAME_MS) / phoneProcs.length }));
  // The server's CPU over the same window as the phones measure.
  await new Promise((r) => setTimeout(r, 200 + WARMUP_MS));
  const cpuStart = processCpuMs(serverPid);
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const cpuEnd = processCpuMs(serverPid);
  const results = (await Promise.all(phoneProcs.map((p) => p.next()))) as StepResult[];
  const jitter: number[] = [];
  let frames = 0;
  for (const r of results) {
    for (const offsets of r.offsets) {
      let punctual = Infinity;
      for (const o of offsets) punctual = Math.min(punctual, o);
      for (const o of offsets) jitter.push(o - punctual);
      frames += offsets.length;
    }
  }
  const expected = calls * (WINDOW_MS / FRAME_MS);
  // The next step (perhaps on the other server) starts once this server has torn its calls down and gone quiet.
  const settledMs = await untilQuiet(serverPid);
  return {
    jitter, delivered: frames / expected, connected: results.reduce((n, r) => n + r.connected, 0), settledMs,
    serverCpu: cpuStart === null || cpuEnd === null ? null : (cpuEnd - cpuStart) / WINDOW_MS,
    phoneCpu: results.reduce((n, r) => n + r.cpuMs, 0) / WINDOW_MS
  };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await exited;
}

/**
 * One run: both servers, fresh, stepped up together; at each step the relay and then the echo server carry the
 * calls for a window. A step that breaks is measured once more, and only a second break ends that server's run: on a
 * shared machine one stall of another process can spoil a window's p99, and that says nothing about the server.
 */
async function capacityRun(phoneProcs: PhoneProc[], run: number): Promise<Record<Kind, number>> {
  const servers = { relay: await startServer('relay'), echo: await startServer('echo') };
  const max: Record<Kind, number> = { relay: 0, echo: 0 };
  const going = new Set<Kind>(['relay', 'echo']);
  try {
    for (const [i, calls] of STEPS.entries()) {
      for (const kind of going) {
        const { port, child } = servers[kind];
        let ok = false;
        for (let attempt = 0; attempt < 2 && !ok; attempt++) {
          const r = await runStep(phoneProcs, kind, port, child.pid!, calls, run * 100 + i + attempt * 50);
          const s = summary(r.jitter);
          ok = s.p99 < JITTER_P99_LIMIT_MS && r.delivered >= 0.95 && r.connected === calls;
          const verdict = ok ? 'ok' : attempt === 0 ? 'broken, measured again' : 'BROKEN';
          console.log(`  ${kind.padEnd(5)} run ${run + 1} ${String(calls).padStart(5)} calls   jitter p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  max ${s.max.toFixed(1)} ms   frames delivered ${(r.delivered * 100).toFixed(1)} %   ${cpuUsed(r)}   load ${load()}   quiet after ${(r.settledMs / 1000).toFixed(1)} s   ${verdict}`);
        }
        if (ok) max[kind] = calls;
        else going.delete(kind);
      }
      if (going.size === 0) break;
    }
  } finally {
    await stopServer(servers.relay.child);
    await stopServer(servers.echo.child);
  }
  return max;
}

/** The CPU the server and the phones used in a step's window (100 % = one core). */
const cpuUsed = (r: { serverCpu: number | null; phoneCpu: number }) =>
  `CPU server ${r.serverCpu === null ? '?' : (r.serverCpu * 100).toFixed(0)} %, phones ${(r.phoneCpu * 100).toFixed(0)} %`;

/** Ends the bench: the phone processes first, so none is left behind. */
function exitWith(phoneProcs: PhoneProc[]): never {
  for (const p of phoneProcs) p.child.send({ cmd: 'exit' });
  process.exit(0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }

/** Self time by function over a .cpuprofile, largest first. */
function topSelfTime(file: string, n: number): string[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
  const usPerSample = (prof.endTime - prof.startTime) / Math.max(1, prof.samples.length);
  const total = prof.samples.length;
  const byFn = new Map<string, number>();
  for (const node of prof.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^file:\/\/.*?\/(media-relay|core|node_modules|bench)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + (node.hitCount ?? 0));
  }
  return [...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([fn, hits]) => `    ${((hits / total) * 100).toFixed(1).padStart(5)} %  ${((hits * usPerSample) / 1000).toFixed(0).padStart(6)} ms  ${fn}`);
}

/** A server carrying `calls` for one window under --cpu-prof: where its CPU goes at that load. */
async function profileServer(phoneProcs: PhoneProc[], kind: Kind, calls: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), `${kind}-prof-`));
  try {
    const { port, child } = await startServer(kind, dir);
    const r = await runStep(phoneProcs, kind, port, child.pid!, calls, kind === 'relay' ? 998 : 999);
    await stopServer(child);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    const s = summary(r.jitter);
    return [
      `  ${kind} CPU profile at ${calls} calls (jitter p99 ${s.p99.toFixed(2)} ms, frames delivered ${(r.delivered * 100).toFixed(1)} %, ${cpuUsed(r)}), top ${PROFILE_TOP} by self time:`,
      ...(file ? topSelfTime(join(dir, file), PROFILE_TOP) : ['    (no profile was written)'])
    ];
  } finally {
    if (process.env.BENCH_KEEP_PROFILE) console.log(`  (profile kept in ${dir})`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] ?? 'relay');
} else if (process.argv[2] === '--phones') {
  await phoneProcess();
} else {
  const started = performance.now();
  console.log(`bench relay-capacity: 20 ms frames both ways, outbound jitter p99 < ${JITTER_P99_LIMIT_MS} ms and >= 95 % of frames delivered; ${RUNS} runs, the two servers stepped up together`);
  console.log(`  machine: ${cpus().length} cores, load average at start ${load()} (shared with other work); phones in ${PHONE_PROCS} processes of their own, server in another; vendor ${VENDOR} (BENCH_VENDOR)`);
  const phoneProcs = startPhones();
  if (process.env.BENCH_PROFILE_AT) {
    // Only the profiles, at a given load (for looking into where the CPU goes).
    const calls = Number(process.env.BENCH_PROFILE_AT);
    process.env.BENCH_KEEP_PROFILE = '1';
    for (const line of [...await profileServer(phoneProcs, 'relay', calls), ...await profileServer(phoneProcs, 'echo', calls)]) console.log(line);
    exitWith(phoneProcs);
  }
  if (process.env.BENCH_CPU_AT) {
    // Only the CPU both servers use at one load, alternating, RUNS times each (for comparing a change quickly).
    const calls = Number(process.env.BENCH_CPU_AT);
    const servers = { relay: await startServer('relay'), echo: await startServer('echo') };
    for (let run = 0; run < RUNS; run++) {
      for (const kind of ['relay', 'echo'] as const) {
        const { port, child } = servers[kind];
        const r = await runStep(phoneProcs, kind, port, child.pid!, calls, run * 2 + (kind === 'relay' ? 0 : 1));
        const s = summary(r.jitter);
        console.log(`  ${kind.padEnd(5)} run ${run + 1} ${calls} calls   jitter p99 ${s.p99.toFixed(2)} ms   ${cpuUsed(r)}   load ${load()}`);
      }
    }
    await stopServer(servers.relay.child);
    await stopServer(servers.echo.child);
    exitWith(phoneProcs);
  }
  const relayMax: number[] = [];
  const echoMax: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const max = await capacityRun(phoneProcs, run);
    relayMax.push(max.relay);
    echoMax.push(max.echo);
    console.log(`  run ${run + 1}: relay ${max.relay}, echo ${max.echo}, ratio ${(max.relay / max.echo).toFixed(2)}`);
  }
  const relay = median(relayMax);
  const echo = median(echoMax);
  const topped = echo === STEPS.at(-1);
  const ratio = echo > 0 ? relay / echo : NaN;
  // Where the relay's CPU goes at its capacity (at the first step when it carried none).
  const profiled = relay > 0 ? relay : STEPS[0]!;
  const profile = [...await profileServer(phoneProcs, 'relay', profiled), ...await profileServer(phoneProcs, 'echo', profiled)];
  console.log(`  load average at end ${load()}`);
  console.log(`  relay carries ${relay} concurrent calls, median of ${RUNS} (runs: ${relayMax.join(', ')}; spread ${Math.min(...relayMax)}–${Math.max(...relayMax)}) (target >= ${TARGET_CALLS}: ${relay >= TARGET_CALLS ? 'ok' : 'UNDER'})`);
  console.log(`  bare ws echo server carries ${topped ? `>= ${echo} (the largest step)` : echo}, median of ${RUNS} (runs: ${echoMax.join(', ')}; spread ${Math.min(...echoMax)}–${Math.max(...echoMax)}) at the same message rate`);
  console.log(`  ratio relay / echo ${topped ? '<= ' : ''}${ratio.toFixed(2)} (target >= ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'ok' : topped ? 'echo not saturated' : 'UNDER'})   run took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  for (const line of profile) console.log(line);
  exitWith(phoneProcs);
}
