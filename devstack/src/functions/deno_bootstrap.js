// Runs inside the Deno process of one edge function (plain JavaScript: it is Deno code, not part of the Node build).
// It captures the function's handler — from `Deno.serve(...)` or `export default { fetch }` — serves it on a free
// local port chosen by the OS, and tells devstack that port on stdout. Uncaught handler errors become the edge
// runtime's 500 WORKER_ERROR answer instead of killing the worker.
//
// Usage: deno run -A bootstrap.js <entrypoint file URL>

const READY = '\u001edevstack:ready ';
const BOOT_ERROR = '\u001edevstack:boot-error ';

const entrypoint = Deno.args[0];
const originalServe = Deno.serve.bind(Deno);
let served = false;

function report(line) {
  // One write call, so the marker never interleaves with the function's own output.
  Deno.stdout.writeSync(new TextEncoder().encode(`\n${line}\n`));
}

function workerError(err) {
  console.error(err);
  return new Response(
    JSON.stringify({ code: 'WORKER_ERROR', message: 'Function exited due to an error (please check logs)' }),
    { status: 500, headers: { 'Content-Type': 'application/json' } }
  );
}

function wrap(handler) {
  return async (req, info) => {
    try {
      const res = await handler(req, info);
      if (!(res instanceof Response)) throw new TypeError('The function did not return a Response.');
      return res;
    } catch (err) {
      return workerError(err);
    }
  };
}

function serveCaptured(options, handler) {
  if (served) throw new Error('Deno.serve was called more than once; an edge function serves one handler.');
  served = true;
  const { port: _port, hostname: _hostname, onListen: _onListen, handler: _h, ...rest } = options ?? {};
  return originalServe(
    {
      ...rest,
      port: 0,
      hostname: '127.0.0.1',
      onListen: ({ port }) => report(`${READY}${port}`),
      onError: workerError
    },
    wrap(handler)
  );
}

// Plain assignment to Deno.serve is ignored on recent Deno; redefine the property instead.
Object.defineProperty(Deno, 'serve', {
  configurable: true,
  writable: true,
  value: (a, b) => {
    if (typeof a === 'function') return serveCaptured({}, a);
    if (typeof b === 'function') return serveCaptured(a, b);
    if (a && typeof a.handler === 'function') return serveCaptured(a, a.handler);
    throw new TypeError('Deno.serve needs a handler function.');
  }
});

// The edge runtime's background-task hook: keep the promise from failing silently.
if (!('EdgeRuntime' in globalThis)) {
  globalThis.EdgeRuntime = {
    waitUntil(promise) {
      Promise.resolve(promise).catch((err) => console.error('EdgeRuntime.waitUntil task failed:', err));
    }
  };
}

// A background failure is logged, as the edge runtime does, rather than ending every request in flight.
globalThis.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  console.error('Unhandled promise rejection:', event.reason);
});

// devstack holds our stdin open; when it goes away (even killed), stdin ends and this worker exits with it.
(async () => {
  try {
    for await (const _ of Deno.stdin.readable) {
      // Nothing is ever sent; reading only detects the end.
    }
  } catch {
    // stdin closed abruptly: same as end of input.
  }
  Deno.exit(0);
})();

try {
  const mod = await import(entrypoint);
  if (!served) {
    const fetchHandler = mod?.default?.fetch;
    if (typeof fetchHandler !== 'function') {
      throw new Error('The function neither called Deno.serve nor has `export default { fetch }`.');
    }
    Deno.serve((req, info) => fetchHandler.call(mod.default, req, info));
  }
} catch (err) {
  console.error(err);
  report(`${BOOT_ERROR}${JSON.stringify(String(err?.message ?? err))}`);
  Deno.exit(1);
}
