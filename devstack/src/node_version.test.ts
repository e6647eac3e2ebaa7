import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without type declarations, kept runnable by old Node versions
import { nodeVersionProblem } from '../bin/node_version.mjs';

describe('nodeVersionProblem', () => {
  it('accepts Node 24 and newer', () => {
    expect(nodeVersionProblem('24.21.0', '/x/node')).toBeNull();
    expect(nodeVersionProblem('26.1.0', '/x/node')).toBeNull();
  });
  it('refuses the system Node 20 with a sentence naming the version and the fix', () => {
    const msg = nodeVersionProblem('20.20.2', '/usr/local/bin/node') as string;
    expect(msg).toContain('needs Node 24 or newer');
    expect(msg).toContain('v20.20.2 (/usr/local/bin/node)');
    expect(msg).toContain('npm install');
  });
});
