import { restartServices } from '../stack.ts';

export async function main(): Promise<void> {
  try {
    await restartServices();
    console.log('devstack services restarted (the database kept running)');
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
