// The one Twilio REST client the product uses: Calls and Verify over fetch, with configurable base URLs
// (production: Twilio's hosts; demo: devstack's stand-in). Errors keep Twilio's numeric code.
export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  apiBase: string;
  verifyBase: string;
  verifyServiceSid: string;
}

export class TwilioApiError extends Error {
  readonly status: number;
  readonly twilioCode: number | null;
  constructor(status: number, twilioCode: number | null, message: string) {
    super(message);
    this.status = status;
    this.twilioCode = twilioCode;
  }
}

export interface CreateCallParams {
  to: string;
  from: string;
  url: string;
  statusCallback: string;
  /** Ring timeout in seconds. */
  timeout: number;
  /** Hard cap on the call's length in seconds. */
  timeLimit: number;
  machineDetection?: boolean;
  asyncAmdStatusCallback?: string;
}

export interface TwilioCall {
  sid: string;
  status: string;
  duration: string | null;
  answered_by?: string | null;
}

type Fetch = typeof fetch;

export function twilioClient(cfg: TwilioConfig, fetchImpl: Fetch = fetch) {
  const auth = `Basic ${btoa(`${cfg.accountSid}:${cfg.authToken}`)}`;
  const request = async <T>(url: string, method: 'GET' | 'POST', form?: URLSearchParams): Promise<T> => {
    const res = await fetchImpl(url, {
      method,
      headers: { Authorization: auth, ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
      body: form?.toString(),
      signal: AbortSignal.timeout(10_000)
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      throw new TwilioApiError(res.status, typeof body.code === 'number' ? body.code : null, String(body.message ?? `Twilio answered ${res.status}`));
    }
    return body as T;
  };
  const calls = `${cfg.apiBase.replace(/\/+$/, '')}/2010-04-01/Accounts/${cfg.accountSid}/Calls`;
  const verify = `${cfg.verifyBase.replace(/\/+$/, '')}/v2/Services/${cfg.verifyServiceSid}`;

  return {
    createCall(p: CreateCallParams): Promise<TwilioCall> {
      const form = new URLSearchParams({
        To: p.to, From: p.from, Url: p.url, Method: 'POST', StatusCallback: p.statusCallback, StatusCallbackMethod: 'POST',
        Timeout: String(p.timeout), TimeLimit: String(p.timeLimit)
      });
      // One parameter per event: a single space-separated value is silently read as one unknown event.
      for (const e of ['initiated', 'ringing', 'answered', 'completed']) form.append('StatusCallbackEvent', e);
      if (p.machineDetection) {
        form.set('MachineDetection', 'DetectMessageEnd');
        form.set('AsyncAmd', 'true');
        if (p.asyncAmdStatusCallback) form.set('AsyncAmdStatusCallback', p.asyncAmdStatusCallback);
      }
      return request<TwilioCall>(`${calls}.json`, 'POST', form);
    },
    fetchCall(callSid: string): Promise<TwilioCall> {
      return request<TwilioCall>(`${calls}/${encodeURIComponent(callSid)}.json`, 'GET');
    },
    hangUp(callSid: string): Promise<TwilioCall> {
      return request<TwilioCall>(`${calls}/${encodeURIComponent(callSid)}.json`, 'POST', new URLSearchParams({ Status: 'completed' }));
    },
    /** Replaces an in-progress call's TwiML (a running media stream is stopped first). */
    redirectCall(callSid: string, twiml: string): Promise<TwilioCall> {
      return request<TwilioCall>(`${calls}/${encodeURIComponent(callSid)}.json`, 'POST', new URLSearchParams({ Twiml: twiml }));
    },
    startVerification(to: string, channel: 'sms' | 'call' = 'sms'): Promise<{ sid: string; status: string }> {
      return request(`${verify}/Verifications`, 'POST', new URLSearchParams({ To: to, Channel: channel }));
    },
    checkVerification(to: string, code: string): Promise<{ sid: string; status: string; valid: boolean }> {
      return request(`${verify}/VerificationCheck`, 'POST', new URLSearchParams({ To: to, Code: code }));
    }
  };
}

export type TwilioClient = ReturnType<typeof twilioClient>;
