import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type pg from 'pg';
import type { DevstackConfig } from '../config.ts';

/** What the gateway hands every service: shared pools, keys and config. */
export interface ServiceDeps {
  config: DevstackConfig;
  /** Superuser pool (the role each service "owns", e.g. supabase_auth_admin, is set per query where it matters). */
  db: pg.Pool;
  /** Legacy JWT API keys minted from the JWT secret. */
  anonKey: string;
  serviceRoleKey: string;
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
