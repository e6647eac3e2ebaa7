import { checkRequirements, ensurePrerequisites } from '../prereqs.ts';

export async function main(): Promise<void> {
  const started = performance.now();
  try {
    ensurePrerequisites();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const ms = (performance.now() - started).toFixed(1);
  console.log(`prerequisites: ${checkRequirements().map((r) => r.what).join(', ')} present (${ms} ms)`);
}
