import { resetStack } from '../stack.ts';

export async function main(): Promise<void> {
  try {
    const r = await resetStack();
    console.log(`devstack reset: fresh database, ${r.migrations.applied.length} migrations applied${r.migrations.seeded ? ', seeded' : ''}`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
