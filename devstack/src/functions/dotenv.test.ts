import { describe, expect, it } from 'vitest';
import { parseDotenv } from './dotenv.ts';

describe('parseDotenv', () => {
  it('reads plain, quoted, exported and commented values', () => {
    const r = parseDotenv(
      ['# secrets', 'A=1', 'export B = two words # note', 'C="x # y\\n"', "D='raw\\n'", '', 'E='].join('\n')
    );
    expect(r.values).toEqual({ A: '1', B: 'two words', C: 'x # y\n', D: 'raw\\n', E: '' });
    expect(r.problems).toEqual([]);
  });

  it('skips unreadable lines and says which', () => {
    const r = parseDotenv('GOOD=1\nno equals\n1BAD=2\nQ="open');
    expect(r.values).toEqual({ GOOD: '1' });
    expect(r.problems).toEqual([
      'line 2: expected KEY=value',
      'line 3: "1BAD" is not a valid variable name',
      'line 4: the value of Q has no closing "'
    ]);
  });
});
