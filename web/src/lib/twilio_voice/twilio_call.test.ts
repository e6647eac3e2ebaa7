import { describe, expect, it, vi } from 'vitest';
import { ERROR_CATALOGUE } from '../../../../core/src/errors.ts';
import type { Invoked } from '../api_errors.ts';
import { TwilioBrowserCall, tokenFetcher, voiceErrorSentence, type TwilioCallState, type VoiceCall, type VoiceDeviceConstructor } from './twilio_call.ts';

const CALL_ID = '5d0c9a52-2f5e-4d7b-8a43-0e4f7a1b2c3d';

class FakeCall implements VoiceCall {
  private readonly listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  muted = false;
  disconnects = 0;
  on(event: string, listener: (...args: unknown[]) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  emit(event: string, ...args: unknown[]) {
    for (const l of this.listeners.get(event) ?? []) l(...args);
  }
  mute(shouldMute = true) {
    this.muted = shouldMute;
  }
  isMuted() {
    return this.muted;
  }
  disconnect() {
    this.disconnects++;
    this.emit('disconnect', this);
  }
}

/** A stand-in for the SDK's Device that records what it was asked. */
function fakeSdk(connectResult: () => Promise<FakeCall> = async () => new FakeCall()) {
  const devices: { token: string; options: unknown; connects: unknown[]; destroyed: number; emitError: (e: unknown) => void }[] = [];
  const calls: FakeCall[] = [];
  const Device: VoiceDeviceConstructor = class {
    private readonly rec: (typeof devices)[number];
    private onError: (e: unknown) => void = () => undefined;
    constructor(token: string, options?: unknown) {
      this.rec = { token, options, connects: [], destroyed: 0, emitError: (e) => this.onError(e) };
      devices.push(this.rec);
    }
    async connect(options?: unknown) {
      this.rec.connects.push(options);
      const call = await connectResult();
      calls.push(call);
      return call;
    }
    on(event: string, listener: (e: unknown) => void) {
      if (event === 'error') this.onError = listener;
      return this;
    }
    destroy() {
      this.rec.destroyed++;
    }
  };
  return { loadDevice: vi.fn(async () => Device), devices, calls };
}

function harness(opts: { token?: Invoked<{ token: string }>; sdk?: ReturnType<typeof fakeSdk> } = {}) {
  const sdk = opts.sdk ?? fakeSdk();
  const states: TwilioCallState[] = [];
  const errors: (string | null)[] = [];
  const muted: boolean[] = [];
  const fetchToken = vi.fn(async () => opts.token ?? { ok: true as const, data: { token: 'jwt-for-the-call' } });
  const phone = new TwilioBrowserCall({
    callId: CALL_ID, fetchToken, loadDevice: sdk.loadDevice,
    onState: (s) => states.push(s), onError: (e) => errors.push(e), onMuted: (m) => muted.push(m)
  });
  return { phone, sdk, states, errors, muted, fetchToken, lastError: () => errors.at(-1) };
}

describe('TwilioBrowserCall', () => {
  it('places the call with the Access Token and the call id as a connect parameter, live once Twilio accepts it', async () => {
    const h = harness();
    await h.phone.connect();
    expect(h.fetchToken).toHaveBeenCalledTimes(1);
    expect(h.sdk.devices).toHaveLength(1);
    expect(h.sdk.devices[0]!.token).toBe('jwt-for-the-call');
    expect(h.sdk.devices[0]!.connects).toEqual([{ params: { call_id: CALL_ID } }]);
    expect(h.states).toEqual(['connecting']);
    h.sdk.calls[0]!.emit('accept', h.sdk.calls[0]);
    expect(h.phone.current).toBe('live');
    // A second click while live does nothing.
    await h.phone.connect();
    expect(h.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('hanging up disconnects the call and releases the device, without an error', async () => {
    const h = harness();
    await h.phone.connect();
    const call = h.sdk.calls[0]!;
    call.emit('accept', call);
    h.phone.hangUp();
    expect(call.disconnects).toBe(1);
    expect(h.sdk.devices[0]!.destroyed).toBe(1);
    expect(h.phone.current).toBe('ended');
    expect(h.errors.filter((e) => e !== null)).toEqual([]);
  });

  it('the far end hanging up ends the call and releases the device', async () => {
    const h = harness();
    await h.phone.connect();
    const call = h.sdk.calls[0]!;
    call.emit('accept', call);
    call.emit('disconnect', call);
    expect(h.states).toEqual(['connecting', 'live', 'ended']);
    expect(h.sdk.devices[0]!.destroyed).toBe(1);
    expect(h.errors.filter((e) => e !== null)).toEqual([]);
  });

  it('mute toggles the microphone', async () => {
    const h = harness();
    await h.phone.connect();
    h.sdk.calls[0]!.emit('accept');
    expect(h.phone.toggleMute()).toBe(true);
    expect(h.sdk.calls[0]!.muted).toBe(true);
    expect(h.phone.toggleMute()).toBe(false);
    expect(h.muted).toEqual([true, false]);
  });

  it('a refused token shows its sentence, never loads the SDK, and the call can be retried', async () => {
    const h = harness({ token: { ok: false, error: { code: 'browser_calls_unavailable', message: ERROR_CATALOGUE.browser_calls_unavailable.message } } });
    await h.phone.connect();
    expect(h.lastError()).toBe(ERROR_CATALOGUE.browser_calls_unavailable.message);
    expect(h.sdk.loadDevice).not.toHaveBeenCalled();
    expect(h.phone.current).toBe('idle');
  });

  it('the SDK failing to load is a sentence, not a crash', async () => {
    const h = harness({ sdk: { ...fakeSdk(), loadDevice: vi.fn(async () => { throw new TypeError('Failed to fetch dynamically imported module'); }) } });
    await h.phone.connect();
    expect(h.lastError()).toMatch(/could not be loaded/);
    expect(h.phone.current).toBe('idle');
  });

  it('a microphone refusal while connecting is explained and the device released', async () => {
    const sdk = fakeSdk(() => Promise.reject(Object.assign(new Error('Permission denied'), { code: 31401 })));
    const h = harness({ sdk });
    await h.phone.connect();
    expect(h.lastError()).toMatch(/blocked the microphone/);
    expect(sdk.devices[0]!.destroyed).toBe(1);
    expect(h.phone.current).toBe('idle');
  });

  it('a call Twilio drops before it is answered (the TwiML App rejected it) says so', async () => {
    const h = harness();
    await h.phone.connect();
    h.sdk.calls[0]!.emit('disconnect');
    expect(h.phone.current).toBe('ended');
    expect(h.lastError()).toMatch(/could not be connected/);
  });

  it('an error during the call keeps its own sentence when the call then drops', async () => {
    const h = harness();
    await h.phone.connect();
    const call = h.sdk.calls[0]!;
    call.emit('error', { code: 31005, message: 'Connection error' });
    call.emit('disconnect');
    expect(h.lastError()).toMatch(/could not reach the calling service/);
  });

  it('hanging up while the token is on its way abandons the attempt', async () => {
    let release: (v: Invoked<{ token: string }>) => void = () => undefined;
    const sdk = fakeSdk();
    const states: TwilioCallState[] = [];
    const phone = new TwilioBrowserCall({
      callId: CALL_ID, loadDevice: sdk.loadDevice, onState: (s) => states.push(s), onError: () => undefined,
      fetchToken: () => new Promise((r) => (release = r))
    });
    const connecting = phone.connect();
    phone.hangUp();
    release({ ok: true, data: { token: 't' } });
    await connecting;
    expect(sdk.loadDevice).not.toHaveBeenCalled();
    expect(states).toEqual(['connecting', 'idle']);
  });
});

describe('voiceErrorSentence', () => {
  it('maps the SDK\'s codes to sentences a person can act on', () => {
    expect(voiceErrorSentence({ code: 31208 })).toMatch(/microphone/);
    expect(voiceErrorSentence({ code: 31402 })).toMatch(/No microphone/);
    expect(voiceErrorSentence({ code: 20104 })).toMatch(/Reload the page/);
    expect(voiceErrorSentence({ code: 53000 })).toMatch(/connection/);
    expect(voiceErrorSentence({ code: 31603 })).toMatch(/could not be connected/);
    expect(voiceErrorSentence({ name: 'NotAllowedError' })).toMatch(/blocked the microphone/);
    expect(voiceErrorSentence(new Error('?'))).toBe('The call ran into a problem. Try again in a moment.');
    for (const code of [31401, 20101, 31005, 31486, 0]) expect(voiceErrorSentence({ code })).toMatch(/^[A-Z].*\.$/);
  });
});

describe('tokenFetcher', () => {
  it('asks browser-call-token for this call and turns a refusal into the sentence for its code', async () => {
    const invoke = vi.fn(async () => ({
      data: null,
      error: { name: 'FunctionsHttpError', context: new Response(JSON.stringify({ error: { code: 'call_already_ended' } }), { status: 409 }) }
    }));
    const result = await tokenFetcher({ functions: { invoke } }, CALL_ID)();
    expect(invoke).toHaveBeenCalledWith('browser-call-token', { body: { call_id: CALL_ID } });
    expect(result).toEqual({ ok: false, error: { code: 'call_already_ended', message: ERROR_CATALOGUE.call_already_ended.message } });

    const okInvoke = vi.fn(async () => ({ data: { token: 'jwt', identity: 'u' }, error: null }));
    expect(await tokenFetcher({ functions: { invoke: okInvoke } }, CALL_ID)()).toEqual({ ok: true, data: { token: 'jwt', identity: 'u' } });
  });
});
