// A scripted OpenAI-compatible chat endpoint on an ephemeral port, for tests that need a vendor to fail, stall or
// answer on cue. Real HTTP and SSE, so the adapter under test runs unchanged.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeChatBehaviour =
  /** Streams `text` word by word, then usage. */
  | { kind: 'answer'; text: string; promptTokens?: number; completionTokens?: number }
  /** Answers with an HTTP error and the vendor's error body. */
  | { kind: 'error'; status: number; code?: string }
  /** Accepts the request (200, headers sent) and says nothing until `release()`, then answers `text`. */
  | { kind: 'stall'; text: string };

export interface FakeChatServer {
  url: string;
  /** Request bodies, in arrival order. */
  readonly requests: Record<string, unknown>[];
  /** Requests whose client went away before the answer was complete. */
  readonly abandoned: number;
  /** Lets stalled requests answer now. */
  release(): void;
  close(): Promise<void>;
}

function sse(res: ServerResponse, data: unknown): void {
  res.write(`data: ${JSON.stringify(data)}\n\n`);
}

function answer(res: ServerResponse, text: string, promptTokens = 20, completionTokens = 10): void {
  for (const word of text.split(/(?<= )/)) sse(res, { choices: [{ index: 0, delta: { content: word } }] });
  sse(res, { choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens } });
  res.end('data: [DONE]\n\n');
}

export async function startFakeChatServer(behaviour: FakeChatBehaviour): Promise<FakeChatServer> {
  const requests: Record<string, unknown>[] = [];
  const stalled: (() => void)[] = [];
  let released = false;
  let abandoned = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      requests.push(JSON.parse(raw) as Record<string, unknown>);
      res.on('close', () => { if (!res.writableFinished) abandoned++; });
      if (behaviour.kind === 'error') {
        res.writeHead(behaviour.status, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'scripted failure', type: 'server_error', code: behaviour.code ?? null } }));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (behaviour.kind === 'answer') return answer(res, behaviour.text, behaviour.promptTokens, behaviour.completionTokens);
      res.flushHeaders();
      const go = () => { if (!res.destroyed) answer(res, behaviour.text); };
      if (released) go();
      else stalled.push(go);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get abandoned() { return abandoned; },
    release: () => {
      released = true;
      for (const go of stalled.splice(0)) go();
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); })
  };
}
