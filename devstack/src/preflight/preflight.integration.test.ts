// `npm run preflight` against a hosted-profile devstack of its own: the hosted project's keys from stack:status plus
// devstack's stand-in settings, written to an env file as an operator would, and a relay started from that file.
// With --local --online every check passes; a file without STRIPE_WEBHOOK_SECRET, or checked without --local (its
// http:// loopback addresses), is refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { runCli } from '../testing/cli.ts';
import { startHostedStack, type HostedStack } from '../testing/hosted_stack.ts';

let hosted: HostedStack;
let relay: ChildProcess | undefined;
let dir: string;
let settings: Record<string, string>;

/** devstack's stand-in settings as the hosted stack's processes get them (standInEnv() under that stack's ports). */
function standInSettings(env: Record<string, string>): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e',
      "const m = await import('./devstack/src/demo_env.ts'); process.stdout.write(JSON.stringify(m.standInEnv()));"
    ], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, string>) : reject(new Error(`standInEnv exited ${code}`))));
  });
}

const envFile = (name: string, values: Record<string, string>) => {
  const file = join(dir, name);
  writeFileSync(file, `# written by the preflight integration test\n${Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  return file;
};

beforeAll(async () => {
  hosted = await startHostedStack();
  const s = hosted.status;
  settings = {
    ...(await standInSettings(hosted.env)),
    SUPABASE_URL: hosted.apiUrl,
    SUPABASE_PUBLISHABLE_KEY: hosted.publishableKey,
    SUPABASE_SECRET_KEY: hosted.secretKey,
    PUBLIC_SUPABASE_URL: hosted.apiUrl,
    PUBLIC_SUPABASE_PUBLISHABLE_KEY: hosted.publishableKey,
    DATABASE_URL: String(s.DB_URL)
  };
  dir = mkdtempSync(join(tmpdir(), 'preflight-'));
  // The relay, started from the same settings, so its public address answers.
  relay = spawn(process.execPath, [join(REPO_ROOT, 'media-relay', 'src', 'main.ts')], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...settings }, stdio: ['ignore', 'ignore', 'inherit'] });
  const health = `http://127.0.0.1:${settings.RELAY_PORT}/healthz`;
  const deadline = Date.now() + 20_000;
  while (!(await fetch(health).then((r) => r.ok).catch(() => false))) {
    if (relay.exitCode !== null) throw new Error(`the relay exited with code ${relay.exitCode}`);
    if (Date.now() > deadline) throw new Error(`the relay did not answer ${health} within 20 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 240_000);

afterAll(async () => {
  if (relay && relay.exitCode === null) {
    const exited = new Promise((r) => relay!.once('exit', r));
    relay.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  await hosted?.stop();
}, 60_000);

describe('preflight against a hosted-profile devstack', () => {
  it('accepts the hosted profile\'s settings with --local, offline and online', async () => {
    const r = await runCli('preflight', ['--env-file', envFile('hosted.env', settings), '--local', '--online'], {});
    expect(r.stdout).not.toContain('✗');
    expect(r.code).toBe(0);
    for (const service of ['Supabase Auth', 'Supabase REST', 'Stripe accepts', 'Stripe sends the product\'s events', 'Twilio accepts TWILIO_ACCOUNT_SID', 'Twilio Verify',
      'Twilio number', 'Twilio TwiML App', 'Twilio accepts the API key', 'Deepgram', 'ElevenLabs', 'Cerebras', 'OpenAI', 'the relay answers']) {
      expect(r.stdout, service).toContain(`✓ ${service}`);
    }
    expect(r.stdout).toMatch(/preflight: the configuration is ready; \d+ services answered as expected\./);
  }, 60_000);

  it('refuses the same settings without STRIPE_WEBHOOK_SECRET, naming it', async () => {
    const { STRIPE_WEBHOOK_SECRET: _, ...rest } = settings;
    const r = await runCli('preflight', ['--env-file', envFile('no-webhook-secret.env', rest), '--local'], {});
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ STRIPE_WEBHOOK_SECRET is required: signing secret (whsec_…) of the webhook endpoint');
    expect(r.stdout).toContain('preflight: 1 problem; fix it and run preflight again.');
  }, 60_000);

  it('refuses its http:// public API URL without --local', async () => {
    const r = await runCli('preflight', ['--env-file', envFile('hosted.env', settings)], {});
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ PUBLIC_API_URL points at 127\.0\.0\.1:\d+, a loopback address nothing else can reach/);
    // A public http:// address is refused with --local too.
    const plain = await runCli('preflight', ['--env-file', envFile('plain-http.env', { ...settings, PUBLIC_API_URL: 'http://api.callmeback.example.com' }), '--local'], {});
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain('✗ PUBLIC_API_URL must be a https:// address in production, got http://');
  }, 60_000);

  it('answers a wrong command line with its usage', async () => {
    const r = await runCli('preflight', ['--online'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('npm run preflight -- --env-file <file> [--online] [--local]');
  }, 30_000);
});
