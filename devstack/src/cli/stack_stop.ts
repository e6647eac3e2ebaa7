import { stopStack } from '../stack.ts';

export async function main(): Promise<void> {
  const r = await stopStack();
  console.log(`devstack: database ${r.database}, services ${r.services ? 'stopped' : 'not running'}`);
}
