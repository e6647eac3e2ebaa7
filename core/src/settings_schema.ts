// Settings are environment variables: text in, typed values out. Every process describes its settings with these
// pieces, so one valibot schema both parses a value at start-up and documents it: the README's settings table is
// generated from the schemas' metadata, and preflight checks a production configuration with the very schemas the
// processes use. Runtime-neutral: callers hand in the environment (process.env, Deno.env.get, SvelteKit's $env).
import * as v from 'valibot';

export type Env = Readonly<Record<string, string | undefined>>;
export type GetSetting = (name: string) => string | undefined;

/** The processes that read settings, as the table names them. */
export const READERS = ['web', 'functions', 'relay', 'auth', 'devstack'] as const;
export type Reader = (typeof READERS)[number];

/**
 * What production needs: `required` (a process refuses to start without it, or `requiredWhen` says when),
 * `optional`, `platform` (Supabase sets it for functions) or `local` (devstack only, never in production).
 */
export type Production = 'required' | 'optional' | 'platform' | 'local';

// A type alias, not an interface: valibot's metadata must be a plain record.
export type SettingInfo = {
  name: string;
  /** Other names accepted for it, e.g. the seed document's (TWILIO_PHONE_NUMBER). The first one set wins, name first. */
  aliases?: readonly string[];
  production: Production;
  /** The condition under which a `required` setting is needed, when it is not always. */
  requiredWhen?: string;
  /** The value used when unset, spelled as in the environment; it goes through the same schema. */
  default?: string;
  /** What the table says when the default is not one fixed value. */
  defaultText?: string;
  /** One line: what the value is and what it does. */
  meaning: string;
  readBy: readonly Reader[];
  /** Never echoed in a message, and never in a PUBLIC_ setting. */
  secret?: boolean;
  /** A URL whose production scheme is this one (preflight refuses others outside --local). */
  secureScheme?: 'https:' | 'wss:';
};

/** A setting: a schema from the raw environment value (undefined when unset) to its typed value. */
export type Setting<T> = v.GenericSchema<string | undefined, T>;
/** A value schema still to be told the setting's name, so its messages can say it. */
export type ValueOf<T> = (name: string) => v.GenericSchema<string, T>;
export type AnySetting = Setting<unknown>;
export type SettingsOf<S extends Record<string, AnySetting>> = { [K in keyof S]: v.InferOutput<S[K]> };

/** The description a setting was made with. */
export function settingInfo(setting: AnySetting): SettingInfo {
  const meta = v.getMetadata(setting) as Partial<SettingInfo>;
  if (typeof meta.name !== 'string' || typeof meta.meaning !== 'string') throw new Error('a setting schema without its description');
  return meta as SettingInfo;
}

const missing = (info: SettingInfo) => `${info.name} is required: ${info.meaning}.`;

/** A process refuses to start without it. */
export function requiredSetting<T>(info: SettingInfo, value: ValueOf<T>): Setting<T> {
  return v.pipe(v.string(missing(info)), value(info.name), v.metadata(info)) as unknown as Setting<T>;
}

/** Unset is undefined: the reader decides what that means (often: a feature is off). */
export function optionalSetting<T>(info: SettingInfo, value: ValueOf<T>): Setting<T | undefined> {
  return v.pipe(v.optional(value(info.name)), v.metadata(info)) as unknown as Setting<T | undefined>;
}

/** Unset is info.default, parsed like any other value. */
export function defaultedSetting<T>(info: SettingInfo & { default: string }, value: ValueOf<T>): Setting<T> {
  return v.pipe(v.optional(value(info.name), info.default), v.metadata(info)) as unknown as Setting<T>;
}

// ---- values ----

const shown = (input: unknown) => `"${String(input)}"`;

/** Any text; with minLength for secrets that must be long, never echoing them. */
export function text(opts: { minLength?: number; pattern?: RegExp; hint?: string } = {}): ValueOf<string> {
  return (name) =>
    v.pipe(
      v.string(),
      v.check((s) => opts.minLength === undefined || s.length >= opts.minLength, `${name} must be at least ${opts.minLength} characters.`),
      v.check((s) => opts.pattern === undefined || opts.pattern.test(s), `${name} must be ${opts.hint ?? `like ${opts.pattern}`}.`)
    );
}

/** An opaque credential: one token, no whitespace (a pasted newline would fail every request). */
export function token(): ValueOf<string> {
  return (name) => v.pipe(v.string(), v.check((s) => !/[\s,]/.test(s), `${name} must be one key, without spaces, commas or line breaks.`));
}

function parseUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** A URL with one of the schemes (`https:`, `wss:`, …); trailing slashes are dropped so paths can be appended. */
export function url(schemes: readonly string[], opts: { query?: boolean } = {}): ValueOf<string> {
  return (name) =>
    v.pipe(
      v.string(),
      v.check((s) => parseUrl(s) !== null, (i) => `${name} must be a URL, got ${shown(i.input)}.`),
      v.check((s) => schemes.includes(parseUrl(s)!.protocol), (i) => `${name} must be a ${schemes.join(' or ')} URL, got ${shown(i.input)}.`),
      v.check((s) => opts.query !== false || parseUrl(s)!.search === '', `${name} must not have a query string.`),
      v.transform((s) => s.replace(/\/+$/, ''))
    );
}

/** A whole number from min to max. */
export function int(min: number, max: number): ValueOf<number> {
  return (name) => {
    const message = (i: { input: unknown }) => `${name} must be a whole number from ${min} to ${max}, got ${shown(i.input)}.`;
    return v.pipe(v.string(), v.regex(/^[+-]?\d+$/, message), v.transform(Number), v.minValue(min, message), v.maxValue(max, message));
  };
}

/** A TCP port; zero only where "any free port" makes sense (tests). */
export function port(opts: { zero?: boolean } = {}): ValueOf<number> {
  const min = opts.zero ? 0 : 1;
  return (name) => {
    const message = (i: { input: unknown }) => `${name} must be a port number from ${min} to 65535, got ${shown(i.input)}.`;
    return v.pipe(v.string(), v.regex(/^\d+$/, message), v.transform(Number), v.minValue(min, message), v.maxValue(65535, message));
  };
}

/** Any number from min to max (fractions allowed, e.g. a rate per second). */
export function decimal(min: number, max: number): ValueOf<number> {
  return (name) => {
    const message = (i: { input: unknown }) => `${name} must be a number from ${min} to ${max}, got ${shown(i.input)}.`;
    return v.pipe(v.string(), v.regex(/^[+-]?(\d+\.?\d*|\.\d+)$/, message), v.transform(Number), v.minValue(min, message), v.maxValue(max, message));
  };
}

const TRUE = ['true', 'on', '1'];
const FALSE = ['false', 'off', '0'];

/** true/false (on/off and 1/0 too); anything else is refused rather than read as false. */
export function flag(): ValueOf<boolean> {
  return (name) =>
    v.pipe(
      v.string(),
      v.check((s) => TRUE.includes(s.toLowerCase()) || FALSE.includes(s.toLowerCase()), (i) => `${name} must be true or false, got ${shown(i.input)}.`),
      v.transform((s) => TRUE.includes(s.toLowerCase()))
    );
}

/** One of a few words. */
export function oneOf<const T extends string>(values: readonly T[]): ValueOf<T> {
  return (name) => v.picklist(values, (i) => `${name} must be ${values.map((x) => `"${x}"`).join(' or ')}, got ${shown(i.input)}.`);
}

/** A list, comma-separated unless told otherwise; blanks are dropped and every item is checked. */
export function list<T>(item: ValueOf<T>, separator = ','): ValueOf<T[]> {
  return (name) =>
    v.pipe(
      v.string(),
      v.transform((s) => s.split(separator).map((x) => x.trim()).filter(Boolean)),
      v.array(item(name))
    );
}

/** A phone number in E.164 (+ country code and number). */
export function e164(): ValueOf<string> {
  return (name) =>
    v.pipe(v.string(), v.regex(/^\+[1-9]\d{6,14}$/, (i) => `${name} must be a phone number in E.164 form (+ country code and number, e.g. +14155550123), got ${shown(i.input)}.`));
}

/** An ISO 3166-1 alpha-2 country code, upper-cased. */
export function countryCode(): ValueOf<string> {
  return (name) =>
    v.pipe(v.string(), v.transform((s) => s.toUpperCase()), v.regex(/^[A-Z]{2}$/, (i) => `${name} must list two-letter country codes (e.g. US,GB), got ${shown(i.input)}.`));
}

// ---- key shapes (no message echoes a key) ----

/** Stripe's secret or restricted key: sk_live_/sk_test_/rk_live_/rk_test_. */
export function stripeSecretKey(): ValueOf<string> {
  return (name) =>
    v.pipe(
      v.string(),
      v.check((s) => !/^pk_/.test(s), `${name} holds a publishable key (pk_…): use the secret key (sk_…) or a restricted key (rk_…).`),
      v.regex(/^(sk|rk)_(live|test)_[0-9A-Za-z_]+$/, `${name} must be a Stripe secret key (sk_live_…, sk_test_…) or restricted key (rk_live_…, rk_test_…).`)
    );
}

/** The signing secret of a Stripe webhook endpoint. */
export function stripeWebhookSecret(): ValueOf<string> {
  return (name) =>
    v.pipe(
      v.string(),
      v.regex(/^whsec_[0-9A-Za-z_+/=]+$/, `${name} must be the webhook endpoint's signing secret (whsec_…, shown on the endpoint's page), without spaces or line breaks.`)
    );
}

/** The mode a Stripe key works in. */
export function stripeKeyMode(key: string): 'live' | 'test' | null {
  const m = /^(?:sk|rk|pk)_(live|test)_/.exec(key);
  return m ? (m[1] as 'live' | 'test') : null;
}

/** A Twilio SID: a two-letter prefix (AC account, SK API key, VA Verify service, AP TwiML App, PN number) and 32 hex digits. */
export function twilioSid(prefix: 'AC' | 'SK' | 'VA' | 'AP' | 'PN', what: string): ValueOf<string> {
  return (name) =>
    v.pipe(
      v.string(),
      v.regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), (i) => {
        const got = /^[A-Z]{2}/.exec(String(i.input))?.[0];
        const other = got && got !== prefix ? ` (this one starts with ${got})` : '';
        return `${name} must be a Twilio ${what} SID: ${prefix} and 32 hex digits${other}.`;
      })
    );
}

/** The role a legacy Supabase JWT key carries, or null when the text is not such a JWT. */
export function legacyKeyRole(key: string): string | null {
  const parts = key.split('.');
  if (parts.length !== 3 || !parts[0]!.startsWith('eyJ')) return null;
  try {
    const json = atob(parts[1]!.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(parts[1]!.length / 4) * 4, '='));
    const role = (JSON.parse(json) as { role?: unknown }).role;
    return typeof role === 'string' ? role : null;
  } catch {
    return null;
  }
}

/** A Supabase key that may reach a browser: sb_publishable_…, or a legacy anon JWT. */
export function supabasePublishableKey(): ValueOf<string> {
  return (name) =>
    v.pipe(
      v.string(),
      v.check(
        (s) => !/^sb_secret_/.test(s) && legacyKeyRole(s) !== 'service_role',
        `${name} holds a secret key: use the project's publishable key (sb_publishable_…); a secret key must never reach a browser.`
      ),
      v.check(
        (s) => /^sb_publishable_[0-9A-Za-z_-]+$/.test(s) || legacyKeyRole(s) === 'anon',
        `${name} must be the project's publishable key (sb_publishable_…) or its legacy anon key.`
      )
    );
}

/** A Supabase key that acts as service_role: sb_secret_…, or a legacy service_role JWT. */
export function supabaseSecretKey(): ValueOf<string> {
  return (name) =>
    v.pipe(
      v.string(),
      v.check((s) => !/^sb_publishable_/.test(s) && legacyKeyRole(s) !== 'anon', `${name} holds a publishable key: use a secret key (sb_secret_…).`),
      v.check((s) => /^sb_secret_[0-9A-Za-z_-]+$/.test(s) || legacyKeyRole(s) === 'service_role', `${name} must be a secret key of the project (sb_secret_…).`)
    );
}

/** A JSON object of named values, as the platform sets SUPABASE_PUBLISHABLE_KEYS ({"default":"sb_…"}). */
export function namedKeys(): ValueOf<Record<string, string>> {
  return (name) =>
    v.pipe(
      v.string(),
      v.rawTransform(({ dataset, addIssue, NEVER }) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(dataset.value);
        } catch {
          addIssue({ message: `${name} is not JSON: set it to an object of named keys, e.g. {"default":"sb_…"}.` });
          return NEVER;
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          addIssue({ message: `${name} must be a JSON object of named keys, e.g. {"default":"sb_…"}.` });
          return NEVER;
        }
        const out: Record<string, string> = {};
        for (const [k, value] of Object.entries(parsed)) if (typeof value === 'string' && value !== '') out[k] = value;
        return out;
      })
    );
}

// ---- reading ----

export class SettingsError extends Error {
  readonly problems: readonly string[];
  constructor(what: string, problems: readonly string[]) {
    // One line per problem, so a log shows each setting to fix on its own line.
    super(`${what} configuration is invalid:\n${problems.join('\n')}`);
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

/** The first of the names that is set to something other than blanks, trimmed. */
export function settingValue(get: GetSetting, info: Pick<SettingInfo, 'name' | 'aliases'>): string | undefined {
  for (const n of [info.name, ...(info.aliases ?? [])]) {
    const raw = get(n)?.trim();
    if (raw) return raw;
  }
  return undefined;
}

const getter = (env: Env | GetSetting): GetSetting => (typeof env === 'function' ? env : (n) => env[n]);

/**
 * Parses every setting at once. `values` holds the typed value of each setting that parsed (undefined for the
 * others), `problems` one sentence per bad setting; a reader adds its own cross-setting problems and then refuses
 * to start if there are any.
 */
export function readSettings<S extends Record<string, AnySetting>>(settings: S, env: Env | GetSetting): { values: SettingsOf<S>; problems: string[] } {
  const get = getter(env);
  const input: Record<string, string | undefined> = {};
  for (const [key, setting] of Object.entries(settings)) {
    const info = settingInfo(setting);
    if (info.name !== key) throw new Error(`the setting listed as ${key} describes itself as ${info.name}`);
    input[key] = settingValue(get, info);
  }
  const result = v.safeParse(v.object(settings), input, { abortPipeEarly: true });
  const values = { ...(result.output as Record<string, unknown>) };
  const problems: string[] = [];
  for (const issue of result.issues ?? []) {
    const key = issue.path?.[0]?.key;
    if (typeof key === 'string') values[key] = undefined;
    if (!problems.includes(issue.message)) problems.push(issue.message);
  }
  return { values: values as SettingsOf<S>, problems };
}

/** readSettings, or a SettingsError naming every problem. */
export function parseSettings<S extends Record<string, AnySetting>>(what: string, settings: S, env: Env | GetSetting): SettingsOf<S> {
  const { values, problems } = readSettings(settings, env);
  if (problems.length > 0) throw new SettingsError(what, problems);
  return values;
}

/** The settings with these names, for a reader that needs only some of a process's settings. */
export function pick<S extends Record<string, AnySetting>, K extends keyof S>(settings: S, names: readonly K[]): Pick<S, K> {
  const out = {} as Pick<S, K>;
  for (const n of names) {
    if (!(n in settings)) throw new Error(`no setting named ${String(n)}`);
    out[n] = settings[n];
  }
  return out;
}
