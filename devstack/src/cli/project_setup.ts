// npm run project:setup -- --db-url <postgres url> --project-url <https://ref.supabase.co> --secret-key <sb_secret_…>
// (or SUPABASE_DB_URL, SUPABASE_URL, SUPABASE_SECRET_KEY; --local accepts an http:// project URL).
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SetupError, storeCronSecrets, validateCronSecrets } from '../project_setup.ts';

export interface ProjectSetupArgs {
  dbUrl: string;
  projectUrl?: string;
  secretKey?: string;
  local: boolean;
}

export function parseProjectSetupArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ProjectSetupArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      'db-url': { type: 'string' },
      'project-url': { type: 'string' },
      'secret-key': { type: 'string' },
      local: { type: 'boolean', default: false }
    },
    strict: true
  });
  const dbUrl = values['db-url'] ?? env.SUPABASE_DB_URL ?? '';
  if (!/^postgres(ql)?:\/\//.test(dbUrl)) {
    throw new SetupError('missing_db_url', '--db-url must be the database connection string, postgresql://postgres:<password>@<host>:5432/postgres (or set SUPABASE_DB_URL).');
  }
  return {
    dbUrl,
    projectUrl: values['project-url'] ?? env.SUPABASE_URL,
    secretKey: values['secret-key'] ?? env.SUPABASE_SECRET_KEY,
    local: values.local ?? false
  };
}

export async function runProjectSetup(args: ProjectSetupArgs): Promise<string> {
  const secrets = validateCronSecrets(args);
  const client = new pg.Client({ connectionString: args.dbUrl });
  await client.connect();
  try {
    await storeCronSecrets(client, secrets);
  } finally {
    await client.end();
  }
  return `project setup: Vault holds project_url (${secrets.projectUrl}) and cron_key (${secrets.secretKey.slice(0, 'sb_secret_'.length + 4)}…); pg_cron jobs can call the functions.`;
}

export async function main(argv: string[]): Promise<void> {
  try {
    console.log(await runProjectSetup(parseProjectSetupArgs(argv)));
  } catch (err) {
    const code = err instanceof SetupError ? err.code : 'setup_failed';
    console.error(`project setup failed (${code}): ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
