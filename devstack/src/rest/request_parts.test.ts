import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { RestError } from './errors.ts';
import { parseRange, requestedSchema, route, wantsSingleObject } from './request_parts.ts';
import { exposedSchemas } from './service.ts';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

function errorOf(fn: () => unknown): RestError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RestError) return err;
    throw err;
  }
  throw new Error('expected a RestError');
}

describe('request parts', () => {
  it('exposes public and graphql_public plus REST_EXTRA_SCHEMAS', () => {
    expect(exposedSchemas(undefined)).toEqual(['public', 'graphql_public']);
    expect(exposedSchemas(' app , public,')).toEqual(['public', 'graphql_public', 'app']);
  });

  it('reads the profile from Accept-Profile on reads and Content-Profile on writes', () => {
    const schemas = ['public', 'app'];
    expect(requestedSchema(req({}), 'GET', schemas)).toBe('public');
    expect(requestedSchema(req({ 'accept-profile': 'app' }), 'GET', schemas)).toBe('app');
    expect(requestedSchema(req({ 'accept-profile': 'app' }), 'POST', schemas)).toBe('public');
    expect(requestedSchema(req({ 'content-profile': 'app' }), 'PATCH', schemas)).toBe('app');
    const e = errorOf(() => requestedSchema(req({ 'accept-profile': 'auth' }), 'GET', schemas));
    expect([e.status, e.code, e.hint]).toEqual([406, 'PGRST106', 'Only the following schemas are exposed: public, app']);
  });

  it('recognises single-object Accept headers and refuses unsupported media types', () => {
    expect(wantsSingleObject(undefined)).toBe(false);
    expect(wantsSingleObject('application/json')).toBe(false);
    expect(wantsSingleObject('application/vnd.pgrst.object+json;nulls=stripped')).toBe(true);
    expect(wantsSingleObject('text/html, */*;q=0.8')).toBe(false);
    expect(errorOf(() => wantsSingleObject('text/csv')).code).toBe('PGRST107');
  });

  it('turns a Range header into offset and limit', () => {
    expect(parseRange(req({ range: '0-9' }))).toEqual({ offset: 0, limit: 10 });
    expect(parseRange(req({ range: 'items=5-' }))).toEqual({ offset: 5, limit: null });
    expect(parseRange(req({}))).toBeNull();
    expect(errorOf(() => parseRange(req({ range: '5-1' }))).status).toBe(416);
  });

  it('routes tables, rpc and the root, refusing deeper paths', () => {
    expect(route('/')).toEqual({ kind: 'root' });
    expect(route('/my%20table')).toEqual({ kind: 'table', name: 'my table' });
    expect(route('/rpc/fn')).toEqual({ kind: 'rpc', name: 'fn' });
    expect(errorOf(() => route('/a/b/c')).code).toBe('PGRST125');
    expect(errorOf(() => route('/%E0%A4%A')).code).toBe('PGRST100');
  });
});
