import { runServices } from '../services/main.ts';

export async function main(): Promise<void> {
  await runServices();
}
