#!/usr/bin/env node
// Entry point for every npm script. Plain JavaScript so that an old Node can still print why it cannot go on:
// the TypeScript modules behind it rely on Node 24's built-in type stripping.
import { nodeVersionProblem } from './node_version.mjs';

const problem = nodeVersionProblem(process.versions.node, process.execPath);
if (problem) {
  console.error(problem);
  process.exit(1);
}

const commands = {
  start: '../src/cli/start.ts',
  test: '../src/cli/test.ts',
  bench: '../src/cli/bench.ts',
  prereqs: '../src/cli/prereqs.ts',
  'stack:start': '../src/cli/stack_start.ts',
  'stack:stop': '../src/cli/stack_stop.ts',
  'stack:status': '../src/cli/stack_status.ts',
  'stack:reset': '../src/cli/stack_reset.ts',
  'stack:restart': '../src/cli/stack_restart.ts',
  'stack:serve': '../src/cli/stack_serve.ts',
  'project:setup': '../src/cli/project_setup.ts',
  typecheck: '../src/cli/typecheck.ts',
  'e2e:production': '../src/cli/e2e_production.ts',
  'package:check': '../src/cli/package_check.ts',
  'functions:bundle': '../src/cli/bundle_functions.ts',
  'settings:table': '../src/cli/settings_table.ts',
  'db:types': '../src/cli/db_types.ts',
  preflight: '../src/cli/preflight.ts'
};

const name = process.argv[2];
const target = commands[name];
if (!target) {
  console.error(`Unknown command "${name}". Known: ${Object.keys(commands).join(', ')}.`);
  process.exit(2);
}
process.argv.splice(2, 1);
// `--hosted` is the same as DEVSTACK_PROFILE=hosted, for this command and every process it starts.
const hostedFlag = process.argv.indexOf('--hosted');
if (hostedFlag >= 2) {
  process.argv.splice(hostedFlag, 1);
  process.env.DEVSTACK_PROFILE = 'hosted';
}
const mod = await import(new URL(target, import.meta.url).href);
await mod.main(process.argv.slice(2));
