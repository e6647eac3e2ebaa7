import { stackStatus } from '../stack.ts';

export async function main(args: string[]): Promise<void> {
  const status = stackStatus();
  if (args.includes('--json')) {
    console.log(JSON.stringify(status, null, 2));
    return;
  }
  for (const [k, v] of Object.entries(status)) console.log(`${k.padEnd(18)} ${v}`);
}
