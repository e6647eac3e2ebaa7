// The web app's public configuration, read once from the environment.
import { env } from '$env/dynamic/public';
import { parsePublicConfig, type PublicConfig } from './public_settings';

export type { BrowserCallTransport, PublicConfig } from './public_settings';

let cached: PublicConfig | null = null;

export function publicConfig(): PublicConfig {
  cached ??= parsePublicConfig(env);
  return cached;
}
