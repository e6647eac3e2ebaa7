// Auth settings a project keeps in supabase/config.toml: `[auth] site_url`, `additional_redirect_urls` and
// `[auth.email] enable_confirmations`. Values may be `env(NAME)`, replaced as the Supabase CLI does: only when NAME is
// set and non-empty, otherwise the literal text stays.
import { existsSync, readFileSync } from 'node:fs';
import { parseToml, type TomlTable, type TomlValue } from '../functions/toml.ts';

export interface ProjectAuthSettings {
  siteUrl: string;
  additionalRedirectUrls: string[];
  enableConfirmations: boolean;
}

/** The CLI template's values, used when config.toml says nothing. */
export const CLI_AUTH_DEFAULTS: ProjectAuthSettings = {
  siteUrl: 'http://127.0.0.1:3000',
  additionalRedirectUrls: ['https://127.0.0.1:3000'],
  enableConfirmations: false
};

export function resolveEnv(value: string, env: Record<string, string | undefined>): string {
  const m = /^env\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$/.exec(value.trim());
  if (!m) return value;
  const v = env[m[1]!];
  return v === undefined || v === '' ? value : v;
}

function table(v: TomlValue | undefined): TomlTable | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

function text(v: TomlValue | undefined, name: string, env: Record<string, string | undefined>): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`supabase/config.toml: ${name} must be a string, for example "http://127.0.0.1:5173".`);
  return resolveEnv(v, env);
}

export function authSettingsFromToml(source: string, env: Record<string, string | undefined>): ProjectAuthSettings {
  const auth = table(parseToml(source).auth) ?? {};
  const email = table(auth.email) ?? {};
  const urls = auth.additional_redirect_urls;
  if (urls !== undefined && (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string'))) {
    throw new Error('supabase/config.toml: [auth] additional_redirect_urls must be a list of strings, for example ["http://127.0.0.1:5173"].');
  }
  const confirmations = email.enable_confirmations;
  if (confirmations !== undefined && typeof confirmations !== 'boolean') {
    throw new Error('supabase/config.toml: [auth.email] enable_confirmations must be true or false.');
  }
  return {
    siteUrl: text(auth.site_url, '[auth] site_url', env) ?? CLI_AUTH_DEFAULTS.siteUrl,
    additionalRedirectUrls: urls === undefined ? CLI_AUTH_DEFAULTS.additionalRedirectUrls : (urls as string[]).map((u) => resolveEnv(u, env)).filter((u) => u !== ''),
    enableConfirmations: confirmations ?? CLI_AUTH_DEFAULTS.enableConfirmations
  };
}

export function loadProjectAuthSettings(configFile: string, env: Record<string, string | undefined> = process.env): ProjectAuthSettings {
  if (!existsSync(configFile)) return { ...CLI_AUTH_DEFAULTS };
  return authSettingsFromToml(readFileSync(configFile, 'utf8'), env);
}
