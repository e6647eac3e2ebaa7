// Writing PostgREST responses: status, Content-Range, singular checks and error bodies.
import type { ServerResponse } from 'node:http';
import { RestError } from './errors.ts';
import type { Plan } from './plan.ts';
import { appliedPreferences, type Preferences } from './prefer.ts';
import type { MainResult } from './request_tx.ts';
import type { SchemaSnapshot } from './schema_cache.ts';

export function send(res: ServerResponse, method: string, status: number, body: string | null, headers: Record<string, string>): void {
  const h: Record<string, string> = { ...headers };
  if (body !== null) h['Content-Type'] ??= 'application/json; charset=utf-8';
  res.writeHead(status, h);
  res.end(method === 'HEAD' || body === null ? undefined : body);
}

export function sendError(res: ServerResponse, method: string, err: RestError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  send(res, method, err.status, JSON.stringify(err.body()), err.headers);
}

export function singularCheck(single: boolean, prefs: Preferences) {
  return (r: MainResult) => {
    if (single && r.page_count !== 1) {
      throw new RestError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${r.page_count} rows`);
    }
    if (prefs.handling === 'strict' && prefs.maxAffected !== null && r.page_count > prefs.maxAffected) {
      throw new RestError(400, 'PGRST124', 'Query result exceeds max-affected preference constraint', `The query affects ${r.page_count} rows`);
    }
  };
}

export function contentRange(offset: number, count: number, total: number | null): string {
  const t = total === null ? '*' : String(total);
  return count > 0 ? `${offset}-${offset + count - 1}/${t}` : `*/${t}`;
}

export function respond(res: ServerResponse, method: string, url: URL, plan: Plan, r: MainResult, single: boolean, prefs: Preferences): void {
  const headers: Record<string, string> = {};
  const applied = appliedPreferences(prefs);
  if (applied) headers['Preference-Applied'] = applied;
  if (single) headers['Content-Type'] = 'application/vnd.pgrst.object+json; charset=utf-8';
  const total = r.total === null ? null : Number(r.total);
  const page = r.page_count;

  if (plan.kind === 'read' || (plan.kind === 'rpc' && (plan.shape === 'setof-row' || plan.shape === 'setof-scalar'))) {
    headers['Content-Range'] = contentRange(plan.offset, page, total);
    if (plan.kind === 'read') headers['Content-Location'] = `/${url.pathname.split('/').pop()}${url.search}`;
    let status = 200;
    if (total !== null) {
      if (plan.offset > total && total > 0) {
        throw new RestError(416, 'PGRST103', 'Requested range not satisfiable', `An offset of ${plan.offset} was requested, but there are only ${total} rows.`);
      }
      if (page < total) status = 206;
    }
    send(res, method, status, single ? r.single : r.body, headers);
    return;
  }
  if (plan.kind === 'rpc') {
    if (plan.shape === 'void') {
      send(res, method, 204, null, headers);
      return;
    }
    if (plan.shape === 'row') {
      send(res, method, 200, r.single ?? 'null', headers);
      return;
    }
    send(res, method, 200, r.body, headers);
    return;
  }

  const count = plan.counted ? String(page) : '*';
  if (plan.kind === 'update') headers['Content-Range'] = page > 0 ? `0-${page - 1}/${count}` : `*/${count}`;
  else headers['Content-Range'] = `*/${count}`;
  const status = plan.kind === 'insert' ? 201 : plan.returning === 'rows' ? 200 : 204;
  if (plan.returning === 'keys' && plan.kind === 'insert' && plan.table && plan.table.pk.length && r.single) {
    const row = JSON.parse(r.single) as Record<string, unknown>;
    const q = plan.table.pk.map((c) => `${encodeURIComponent(c)}=eq.${encodeURIComponent(String(row[c]))}`).join('&');
    headers.Location = `/${plan.table.name}?${q}`;
  }
  if (plan.returning === 'rows') send(res, method, status, single ? r.single : r.body, headers);
  else send(res, method, status, null, headers);
}

export function openApiRoot(snap: SchemaSnapshot, schema: string): string {
  const paths: Record<string, object> = { '/': {} };
  for (const t of snap.tables.values()) if (t.schema === schema) paths[`/${t.name}`] = {};
  for (const [, fns] of snap.functions) for (const f of fns) if (f.schema === schema) paths[`/rpc/${f.name}`] = {};
  return JSON.stringify({ swagger: '2.0', info: { title: 'devstack REST', version: '12' }, basePath: '/', paths });
}

