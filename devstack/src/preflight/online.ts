// Preflight against the services themselves: do the project, the vendors and the relay answer the configured
// addresses and keys, do the callback addresses registered at Stripe and Twilio point at this project, and do the
// configured models and voices exist. Only settings that parsed are used; the offline checks report the others.
import { readSettings, stripeKeyMode, type AnySetting, type Env } from '../../../core/src/settings_schema.ts';
import { FUNCTION_SETTINGS } from '../../../edge-functions/_shared/settings.ts';
import { llmEndpoints, RELAY_SETTINGS, type LlmEndpoint } from '../../../media-relay/src/config.ts';
import { PUBLIC_SETTINGS } from '../../../web/src/lib/public_settings.ts';
import type { Finding } from './findings.ts';
import { PREFLIGHT_SETTINGS } from './offline.ts';
import { HANDLED_STRIPE_EVENTS } from './stripe_events.ts';

export interface OnlineDeps {
  fetch: typeof fetch;
  /** Per request. */
  timeoutMs: number;
}

export interface OnlineResult {
  findings: Finding[];
  /** One line per check that passed. */
  passed: string[];
}

type Answer = { ok: true; status: number; body: unknown } | { ok: false; error: string };

const VENDOR: Record<LlmEndpoint['provider'], string> = { cerebras: 'Cerebras', openai: 'OpenAI' };

export async function onlineChecks(env: Env, deps: OnlineDeps): Promise<OnlineResult> {
  const findings: Finding[] = [];
  const passed: string[] = [];
  const fail = (setting: string, message: string) => findings.push({ setting, message });

  const ask = async (url: string, headers: Record<string, string>): Promise<Answer> => {
    try {
      const res = await deps.fetch(url, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(deps.timeoutMs) });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: kept as text
      }
      return { ok: true, status: res.status, body };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      return { ok: false, error: e.name === 'TimeoutError' ? `no answer within ${deps.timeoutMs} ms` : e.cause?.code ?? e.cause?.message ?? e.message };
    }
  };
  const why = (a: Extract<Answer, { ok: true }>) => {
    const b = a.body as { message?: unknown; msg?: unknown; err_msg?: unknown; error?: { message?: unknown } | string; detail?: unknown } | string;
    const text = typeof b === 'string' ? b
      : typeof b?.error === 'object' ? b.error?.message : b?.message ?? b?.msg ?? b?.err_msg ?? b?.error ?? (typeof b?.detail === 'string' ? b.detail : undefined);
    return `${a.status}${text ? ` ${String(text).slice(0, 120)}` : ''}`;
  };

  const all = { ...FUNCTION_SETTINGS, ...PREFLIGHT_SETTINGS } as Record<string, AnySetting>;
  const s = readSettings(all, env).values as Record<string, unknown>;
  const str = (name: string) => (typeof s[name] === 'string' ? (s[name] as string) : undefined);
  const relay = readSettings(RELAY_SETTINGS, env).values;
  const web = readSettings(PUBLIC_SETTINGS, env).values;
  const publicApi = str('PUBLIC_API_URL');

  // Supabase: Auth with the publishable key, REST with the secret key (and the personas' voices for ElevenLabs).
  async function supabase(): Promise<{ name: string; voice_id: string }[]> {
    const project = str('SUPABASE_URL');
    if (!project) return [];
    const pkName = relay.SUPABASE_PUBLISHABLE_KEY ? 'SUPABASE_PUBLISHABLE_KEY' : 'PUBLIC_SUPABASE_PUBLISHABLE_KEY';
    const pk = relay.SUPABASE_PUBLISHABLE_KEY ?? web.PUBLIC_SUPABASE_PUBLISHABLE_KEY;
    if (pk) {
      const a = await ask(`${project}/auth/v1/settings`, { apikey: pk });
      if (!a.ok) fail('SUPABASE_URL', `SUPABASE_URL does not answer at ${project}/auth/v1/settings (${a.error}): check the project's URL.`);
      else if (a.status === 401 || a.status === 403) fail(pkName, `${pkName} was refused by the project's Auth (${why(a)}): copy the publishable key from the project's API keys page.`);
      else if (a.status !== 200) fail('SUPABASE_URL', `${project}/auth/v1/settings answered ${why(a)}: is SUPABASE_URL the project's URL?`);
      else passed.push(`Supabase Auth answers ${project} with the publishable key`);
    }
    const secret = str('SUPABASE_SECRET_KEY');
    if (!secret) return [];
    const r = await ask(`${project}/rest/v1/personas?select=name,voice_id&owner_id=is.null`, { apikey: secret });
    if (!r.ok) {
      fail('SUPABASE_URL', `SUPABASE_URL does not answer at ${project}/rest/v1 (${r.error}): check the project's URL.`);
      return [];
    }
    if (r.status === 401 || r.status === 403) {
      fail('SUPABASE_SECRET_KEY', `SUPABASE_SECRET_KEY was refused by the project's REST API (${why(r)}): copy a secret key (sb_secret_…) from the project's API keys page.`);
      return [];
    }
    if (r.status !== 200 || !Array.isArray(r.body)) {
      fail('SUPABASE_URL', `the project has no personas to read (${why(r)}): push the migrations and the seed (supabase db push --include-seed).`);
      return [];
    }
    passed.push(`Supabase REST answers with the secret key (${r.body.length} personas)`);
    return r.body as { name: string; voice_id: string }[];
  }

  // Stripe: the key's mode, and an endpoint sending the events the product handles to this project.
  async function stripe(): Promise<void> {
    const key = str('STRIPE_SECRET_KEY');
    if (!key) return;
    const base = str('STRIPE_API_BASE') ?? 'https://api.stripe.com';
    const auth = { authorization: `Bearer ${key}` };
    const mode = stripeKeyMode(key);
    const balance = await ask(`${base}/v1/balance`, auth);
    if (!balance.ok) return void fail('STRIPE_SECRET_KEY', `Stripe does not answer at ${base} (${balance.error}).`);
    if (balance.status === 401) return void fail('STRIPE_SECRET_KEY', `STRIPE_SECRET_KEY was refused by Stripe (${why(balance)}): copy the secret key from the dashboard (Developers → API keys).`);
    if (balance.status === 200) {
      const live = (balance.body as { livemode?: boolean }).livemode;
      if (live !== (mode === 'live')) fail('STRIPE_SECRET_KEY', `STRIPE_SECRET_KEY works in ${live ? 'live' : 'test'} mode, not the ${mode} mode its prefix says: copy it again from the dashboard.`);
      else passed.push(`Stripe accepts STRIPE_SECRET_KEY (${mode} mode)`);
    } else if (balance.status !== 403) {
      fail('STRIPE_SECRET_KEY', `Stripe answered ${why(balance)} to ${base}/v1/balance.`);
    }
    if (!publicApi) return;
    const expected = `${publicApi}/functions/v1/stripe-webhook`;
    const list = await ask(`${base}/v1/webhook_endpoints?limit=100`, auth);
    if (!list.ok || list.status !== 200) {
      const reason = list.ok ? why(list) : list.error;
      return void fail('STRIPE_WEBHOOK_SECRET', `could not list Stripe's webhook endpoints (${reason}): give the key read access to Webhook Endpoints, or check by hand that one sends to ${expected}.`);
    }
    const endpoints = ((list.body as { data?: { id: string; url: string; status: string; enabled_events: string[] }[] }).data ?? [])
      .filter((e) => e.url.replace(/\/+$/, '') === expected);
    const events = HANDLED_STRIPE_EVENTS.join(', ');
    if (endpoints.length === 0) {
      return void fail('STRIPE_WEBHOOK_SECRET', `no Stripe webhook endpoint (${mode} mode) sends to ${expected}: add one (Developers → Webhooks) with the events ${events}, and set STRIPE_WEBHOOK_SECRET to its signing secret.`);
    }
    const enabled = endpoints.filter((e) => e.status === 'enabled');
    if (enabled.length === 0) return void fail('STRIPE_WEBHOOK_SECRET', `the Stripe webhook endpoint ${endpoints[0]!.id} for ${expected} is disabled: enable it.`);
    const best = enabled.map((e) => ({ e, missing: e.enabled_events.includes('*') ? [] : HANDLED_STRIPE_EVENTS.filter((t) => !e.enabled_events.includes(t)) }))
      .sort((a, b) => a.missing.length - b.missing.length)[0]!;
    if (best.missing.length > 0) {
      return void fail('STRIPE_WEBHOOK_SECRET', `the Stripe webhook endpoint ${best.e.id} for ${expected} does not send ${best.missing.join(', ')}: add those events to it.`);
    }
    passed.push(`Stripe sends the product's events to ${expected}`);
  }

  // Twilio: the account, its Verify service, the caller id among its numbers, the TwiML App, the API key.
  async function twilio(): Promise<void> {
    const sid = str('TWILIO_ACCOUNT_SID');
    const token = str('TWILIO_AUTH_TOKEN');
    if (!sid || !token) return;
    const base = str('TWILIO_API_BASE') ?? 'https://api.twilio.com';
    const verifyBase = str('TWILIO_VERIFY_API_BASE') ?? str('TWILIO_API_BASE') ?? 'https://verify.twilio.com';
    const basic = (user: string, password: string) => ({ authorization: `Basic ${btoa(`${user}:${password}`)}` });
    const auth = basic(sid, token);
    const accountUrl = `${base}/2010-04-01/Accounts/${sid}`;
    const account = await ask(`${accountUrl}.json`, auth);
    if (!account.ok) return void fail('TWILIO_API_BASE', `Twilio does not answer at ${base} (${account.error}).`);
    if (account.status === 401) return void fail('TWILIO_AUTH_TOKEN', `Twilio refused TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN (${why(account)}): copy both from the console's Account Info.`);
    if (account.status !== 200) return void fail('TWILIO_ACCOUNT_SID', `Twilio answered ${why(account)} for the account ${sid}: check TWILIO_ACCOUNT_SID.`);
    const status = (account.body as { status?: string }).status;
    if (status !== 'active') fail('TWILIO_ACCOUNT_SID', `the Twilio account is ${status}: it places no calls until it is active again.`);
    else passed.push('Twilio accepts TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (account active)');

    const tasks: Promise<void>[] = [];
    const verifySid = str('TWILIO_VERIFY_SERVICE_SID');
    if (verifySid) {
      tasks.push(ask(`${verifyBase}/v2/Services/${verifySid}`, auth).then((a) => {
        if (a.ok && a.status === 200) passed.push('Twilio Verify service found');
        else fail('TWILIO_VERIFY_SERVICE_SID', `this Twilio account has no Verify service ${verifySid} (${a.ok ? why(a) : a.error}): create one (Verify → Services) and copy its SID (VA…).`);
      }));
    }
    const from = str('TWILIO_FROM_NUMBER');
    if (from) {
      tasks.push(ask(`${accountUrl}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(from)}`, auth).then((a) => {
        const numbers = a.ok && a.status === 200 ? (a.body as { incoming_phone_numbers?: { phone_number: string; capabilities?: { voice?: boolean } }[] }).incoming_phone_numbers ?? [] : null;
        const own = numbers?.find((n) => n.phone_number === from);
        if (!a.ok || numbers === null) fail('TWILIO_FROM_NUMBER', `could not list the account's numbers (${a.ok ? why(a) : a.error}).`);
        else if (!own) fail('TWILIO_FROM_NUMBER', `${from} is not a number of this Twilio account: buy or port it (Phone Numbers), or set TWILIO_FROM_NUMBER to one of the account's numbers.`);
        else if (own.capabilities?.voice === false) fail('TWILIO_FROM_NUMBER', `${from} cannot make voice calls: use a voice-capable number.`);
        else passed.push(`Twilio number ${from} belongs to the account`);
      }));
    }
    const appSid = str('TWILIO_TWIML_APP_SID');
    if (appSid && publicApi) {
      tasks.push(ask(`${accountUrl}/Applications/${appSid}.json`, auth).then((a) => {
        if (!a.ok || a.status !== 200) return void fail('TWILIO_TWIML_APP_SID', `this Twilio account has no TwiML App ${appSid} (${a.ok ? why(a) : a.error}): create one (Voice → TwiML Apps) and copy its SID (AP…).`);
        const app = a.body as { voice_url?: string | null; voice_method?: string; status_callback?: string | null; status_callback_method?: string };
        const voice = `${publicApi}/functions/v1/twilio-browser-twiml`;
        const status = `${publicApi}/functions/v1/twilio-status`;
        const bad: string[] = [];
        if ((app.voice_url ?? '').replace(/\/+$/, '') !== voice || app.voice_method?.toUpperCase() !== 'POST') bad.push(`Voice URL ${voice} (POST)`);
        if ((app.status_callback ?? '').replace(/\/+$/, '') !== status || app.status_callback_method?.toUpperCase() !== 'POST') bad.push(`Status Callback URL ${status} (POST)`);
        if (bad.length > 0) fail('TWILIO_TWIML_APP_SID', `the TwiML App ${appSid} must have ${bad.join(' and ')}: set them in Twilio's console (it has ${app.voice_url ?? 'no Voice URL'} and ${app.status_callback ?? 'no Status Callback URL'}).`);
        else passed.push('Twilio TwiML App calls this project back');
      }));
    }
    const keySid = str('TWILIO_API_KEY_SID');
    const keySecret = str('TWILIO_API_KEY_SECRET');
    if (keySid && keySecret) {
      tasks.push(ask(`${accountUrl}.json`, basic(keySid, keySecret)).then((a) => {
        if (a.ok && a.status === 200) passed.push('Twilio accepts the API key');
        else fail('TWILIO_API_KEY_SECRET', `Twilio refused TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET (${a.ok ? why(a) : a.error}): create an API key (standard) in the account and copy its SID and secret.`);
      }));
    }
    await Promise.all(tasks);
  }

  async function deepgram(): Promise<void> {
    const key = relay.DEEPGRAM_API_KEY;
    if (!key || !relay.DEEPGRAM_BASE_URL) return;
    const base = relay.DEEPGRAM_BASE_URL.replace(/^ws/, 'http');
    const a = await ask(`${base}/v1/projects`, { authorization: `Token ${key}` });
    if (!a.ok) fail('DEEPGRAM_BASE_URL', `Deepgram does not answer at ${base} (${a.error}).`);
    else if (a.status === 401 || a.status === 403) fail('DEEPGRAM_API_KEY', `DEEPGRAM_API_KEY was refused by Deepgram (${why(a)}): create a key in the Deepgram console.`);
    else if (a.status !== 200) fail('DEEPGRAM_API_KEY', `Deepgram answered ${why(a)} to ${base}/v1/projects.`);
    else passed.push('Deepgram accepts DEEPGRAM_API_KEY');
  }

  async function elevenlabs(personas: Promise<{ name: string; voice_id: string }[]>): Promise<void> {
    const key = relay.ELEVENLABS_API_KEY;
    if (!key || !relay.ELEVENLABS_BASE_URL) return;
    const base = relay.ELEVENLABS_BASE_URL;
    const a = await ask(`${base}/v1/voices`, { 'xi-api-key': key });
    if (!a.ok) return void fail('ELEVENLABS_BASE_URL', `ElevenLabs does not answer at ${base} (${a.error}).`);
    if (a.status === 401 || a.status === 403) return void fail('ELEVENLABS_API_KEY', `ELEVENLABS_API_KEY was refused by ElevenLabs (${why(a)}): create a key in ElevenLabs' settings.`);
    if (a.status !== 200) return void fail('ELEVENLABS_API_KEY', `ElevenLabs answered ${why(a)} to ${base}/v1/voices.`);
    const voices = new Set(((a.body as { voices?: { voice_id: string }[] }).voices ?? []).map((v) => v.voice_id));
    let missing = 0;
    const defaultVoice = relay.ELEVENLABS_DEFAULT_VOICE_ID;
    if (defaultVoice && !voices.has(defaultVoice)) {
      missing++;
      fail('ELEVENLABS_DEFAULT_VOICE_ID', `the ElevenLabs account has no voice ${defaultVoice}: set ELEVENLABS_DEFAULT_VOICE_ID to one of its voices.`);
    }
    for (const p of await personas) {
      if (p.voice_id && !voices.has(p.voice_id)) {
        missing++;
        fail('ELEVENLABS_API_KEY', `the ElevenLabs account of ELEVENLABS_API_KEY has no voice ${p.voice_id} (persona ${p.name}): add it to the account's voices, or change the persona's voice_id.`);
      }
    }
    if (missing === 0) passed.push(`ElevenLabs accepts ELEVENLABS_API_KEY and has every voice (${(await personas).length} personas)`);
  }

  async function llm(): Promise<void> {
    const { primary, fallback, keySettings } = llmEndpoints(relay);
    const check = async (e: LlmEndpoint, keySetting: string | null, modelSetting: string, urlSetting: string) => {
      if (!e.apiKey || !keySetting) return;
      const vendor = VENDOR[e.provider];
      const a = await ask(`${e.baseUrl}/models`, { authorization: `Bearer ${e.apiKey}` });
      if (!a.ok) return void fail(urlSetting, `${vendor} does not answer at ${e.baseUrl} (${a.error}).`);
      if (a.status === 401 || a.status === 403) return void fail(keySetting, `${keySetting} was refused by ${vendor} (${why(a)}): create a key in ${vendor}'s console.`);
      if (a.status !== 200) return void fail(keySetting, `${vendor} answered ${why(a)} to ${e.baseUrl}/models.`);
      const ids = ((a.body as { data?: { id: string }[] }).data ?? []).map((m) => m.id);
      if (!ids.includes(e.model)) {
        return void fail(modelSetting, `${vendor} does not serve ${e.model} to this key (it serves ${ids.slice(0, 8).join(', ') || 'nothing'}): set ${modelSetting} to one of them.`);
      }
      passed.push(`${vendor} accepts ${keySetting} and serves ${e.model}`);
    };
    await Promise.all([
      check(primary, keySettings.primary, 'LLM_MODEL', 'LLM_BASE_URL'),
      fallback ? check(fallback, keySettings.fallback, 'LLM_FALLBACK_MODEL', 'LLM_FALLBACK_BASE_URL') : Promise.resolve()
    ]);
  }

  // The relay's public address: where Twilio opens the stream, the relay answers its health check.
  async function relayHealth(): Promise<void> {
    const stream = str('RELAY_STREAM_URL');
    if (!stream) return;
    const u = new URL(stream);
    const health = `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}/healthz`;
    const a = await ask(health, {});
    if (!a.ok) fail('RELAY_STREAM_URL', `the relay does not answer at ${health} (${a.error}): start it there, or set RELAY_STREAM_URL to its public address.`);
    else if (a.status !== 200) fail('RELAY_STREAM_URL', `the relay at ${health} answered ${why(a)}: it is not ready for calls.`);
    else passed.push(`the relay answers at ${health}`);
  }

  const personas = supabase();
  await Promise.all([personas, stripe(), twilio(), deepgram(), elevenlabs(personas), llm(), relayHealth()]);
  return { findings, passed };
}
