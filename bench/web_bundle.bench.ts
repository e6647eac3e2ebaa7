// JavaScript the landing page loads: every script response Chromium receives while a visitor opens `/`, each gzipped
// with zlib, against SvelteKit's own runtime (the client entry and app start with their static imports, no route
// code) taken from the build's manifest and fetched from the same server in the same run.
import { gzipBytes, kb, launchChromium, snapshotBuild, startWeb, staticClosure } from './web_app.ts';

const TARGET_GZIP_BYTES = 120 * 1024;

const app = snapshotBuild();
const web = await startWeb(app).catch((e) => {
  app.remove();
  throw e;
});
const browser = await launchChromium();
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const pending: Promise<void>[] = [];
  const scripts = new Map<string, { raw: number; gzip: number; wire: number }>();
  page.on('response', (res) => {
    const type = res.request().resourceType();
    const path = new URL(res.url()).pathname;
    if (!res.url().startsWith(web.url) || (type !== 'script' && !path.endsWith('.js'))) return;
    pending.push((async () => {
      const body = await res.body();
      const sizes = await res.request().sizes();
      scripts.set(path, { raw: body.length, gzip: gzipBytes(body), wire: sizes.responseBodySize });
    })());
  });
  const res = await page.goto(`${web.url}/`, { waitUntil: 'networkidle' });
  if (res?.status() !== 200) throw new Error(`GET / answered ${res?.status()}`);
  // networkidle: nothing requested for 500 ms, so every script the page pulls in has arrived. The visitor's
  // call to action confirms this is the signed-out landing page.
  await page.getByRole('link', { name: 'Get started' }).waitFor();
  await Promise.all(pending);
  if (scripts.size === 0) throw new Error('The landing page requested no scripts: is the build a client-side app?');

  // Every route node is a build entry too; the runtime is the two files SvelteKit emits under entry/ (start, app).
  const entries = Object.entries(app.manifest).filter(([, c]) => c.isEntry && c.file.startsWith('_app/immutable/entry/')).map(([k]) => k);
  if (entries.length !== 2) throw new Error(`Expected the start and app entries in the manifest, found ${entries.length}.`);
  const runtimeFiles = staticClosure(app.manifest, entries);
  const runtime = await Promise.all(runtimeFiles.map(async (f) => {
    const r = await fetch(`${web.url}/${f}`);
    if (!r.ok) throw new Error(`GET /${f} answered ${r.status}`);
    const body = new Uint8Array(await r.arrayBuffer());
    return { path: `/${f}`, raw: body.length, gzip: gzipBytes(body) };
  }));
  const notLoaded = runtime.filter((r) => !scripts.has(r.path));

  const sum = (xs: Iterable<{ raw: number; gzip: number }>) => {
    let raw = 0, gzip = 0;
    for (const x of xs) { raw += x.raw; gzip += x.gzip; }
    return { raw, gzip };
  };
  const landing = sum(scripts.values());
  const base = sum(runtime);
  const wire = [...scripts.values()].reduce((a, s) => a + s.wire, 0);
  const runtimeSet = new Set(runtime.map((r) => r.path));
  const route = [...scripts].filter(([p]) => !runtimeSet.has(p)).sort((a, b) => b[1].gzip - a[1].gzip);

  console.log(`bench web-bundle: JavaScript loaded by the landing page (signed out), gzip -9 per file (zlib)`);
  console.log(`  baseline SvelteKit runtime (entries + static imports, ${runtime.length} files)  ${kb(base.gzip).padStart(9)} gzip  (${kb(base.raw)} raw)`);
  console.log(`  landing page, all script responses (${scripts.size} files)              ${kb(landing.gzip).padStart(9)} gzip  (${kb(landing.raw)} raw, ${kb(wire)} on the wire)`);
  console.log(`  app and route code beyond the runtime                   ${kb(landing.gzip - base.gzip).padStart(9)} gzip`);
  console.log(`  target <= ${kb(TARGET_GZIP_BYTES)} gzip: ${landing.gzip <= TARGET_GZIP_BYTES ? 'ok' : 'OVER'} (${((landing.gzip / TARGET_GZIP_BYTES) * 100).toFixed(0)}% of budget)`);
  console.log(`  largest non-runtime chunks: ${route.slice(0, 5).map(([p, s]) => `${p.split('/').pop()} ${kb(s.gzip)}`).join(', ')}`);
  if (notLoaded.length > 0) console.log(`  note: runtime files the landing page did not request: ${notLoaded.map((r) => r.path).join(', ')}`);
} finally {
  await browser.close();
  await web.stop();
  app.remove();
}
