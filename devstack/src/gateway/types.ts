import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type pg from 'pg';
import type { MailOutbox } from '../auth/mail_outbox.ts';
import type { DevstackConfig } from '../config.ts';
import { projectKeys, type ProjectKeys } from '../keys.ts';
import type { JwtKeyInput } from './jwt.ts';

/** What the gateway hands every service: shared pools, keys and config. */
export interface ServiceDeps {
  config: DevstackConfig;
  /** Superuser pool (the role each service "owns", e.g. supabase_auth_admin, is set per query where it matters). */
  db: pg.Pool;
  /** Legacy JWT API keys minted from the JWT secret. */
  anonKey: string;
  serviceRoleKey: string;
  /**
   * The profile's key material (sb_ keys, signing key, public JWKS, signer). Optional so tests can build deps by
   * hand; absent means the default profile's, derived from `config` (see `depsKeys`).
   */
  keys?: ProjectKeys;
  /** What services verify JWTs with; absent means the HS256 secret, as `supabase start`. */
  jwtKeys?: JwtKeyInput;
  /** Auth's outgoing mail, readable at `GET /devstack/mail`. */
  mailOutbox?: MailOutbox;
  log: (line: string) => void;
}

export interface RequestContext {
  /** Path after the service prefix, always starting with '/', without the query string. */
  path: string;
  url: URL;
  /** The bearer token after the Supabase CLI's key translation (§1.3), or null when there is none. */
  bearer: string | null;
  /** The apikey header or query parameter as sent. */
  apikey: string | null;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => Promise<void>;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, ctx: RequestContext) => void;

export interface Service {
  http?: HttpHandler;
  upgrade?: UpgradeHandler;
  close?: () => Promise<void>;
}

/** The verification keys a service should use. */
export function jwtKeysOf(deps: ServiceDeps): JwtKeyInput {
  return deps.jwtKeys ?? deps.keys?.verify ?? deps.config.jwtSecret;
}

/** The profile's key material, derived from the config when the caller did not hand it in. */
export function keysOf(deps: ServiceDeps): ProjectKeys {
  return deps.keys ?? projectKeys(deps.config);
}
