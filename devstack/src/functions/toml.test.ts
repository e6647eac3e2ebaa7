import { describe, expect, it } from 'vitest';
import { parseToml, TomlError } from './toml.ts';

describe('parseToml', () => {
  it('reads tables, dotted headers and scalar values', () => {
    const doc = parseToml(`
# project settings
project_id = "call-me-back"

[api]
enabled = true
port = 54321
schemas = ["public", "graphql_public"]
max_rows = 1_000

[functions.health]
verify_jwt = false # comment after a value
entrypoint = '../edge-functions/health/index.ts'
ratio = 0.5
`);
    expect(doc).toEqual({
      project_id: 'call-me-back',
      api: { enabled: true, port: 54321, schemas: ['public', 'graphql_public'], max_rows: 1000 },
      functions: { health: { verify_jwt: false, entrypoint: '../edge-functions/health/index.ts', ratio: 0.5 } }
    });
  });

  it('reads escapes, quoted keys, dotted keys, inline tables and multi-line arrays', () => {
    const doc = parseToml(
      [
        'a."b.c" = "tab\\there \\"q\\" \\u00e9"',
        'x.y = 1',
        'point = { lat = -1.5, lon = 2e3, tag = "t" }',
        'list = [',
        '  1, # one',
        '  2,',
        ']',
        'empty = {}'
      ].join('\n')
    );
    expect(doc).toEqual({
      a: { 'b.c': 'tab\there "q" é' },
      x: { y: 1 },
      point: { lat: -1.5, lon: 2000, tag: 't' },
      list: [1, 2],
      empty: {}
    });
  });

  it('accepts CRLF line endings', () => {
    expect(parseToml('[a]\r\nb = "c"\r\n')).toEqual({ a: { b: 'c' } });
  });

  it.each([
    ['a = 1\na = 2', 2, /duplicate key "a"/],
    ['[a]\n[a]', 2, /defined twice/],
    ['a = hello', 1, /not a valid value/],
    ['a = "open', 1, /unterminated string/],
    ['a = 1 2', 1, /after value/],
    ['[[things]]', 1, /not supported/],
    ['a = 1979-05-27', 1, /dates and times/],
    ['a = """x"""', 1, /multi-line/],
    ['x = 1\n[x]', 2, /already a value/],
    ['= 3', 1, /key was expected/],
    ['a = [1 2]', 1, /expected "," or "]"/]
  ])('refuses %j with the line number', (text, line, message) => {
    let caught: unknown;
    try {
      parseToml(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TomlError);
    expect((caught as TomlError).line).toBe(line);
    expect((caught as TomlError).message).toMatch(message);
  });
});
