import { preflight } from '../_shared/cors.ts';
import { database } from '../_shared/db.ts';
import { functionSettings } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { handlePersonasShowcase } from './handler.ts';

const env = functionSettings(['SUPABASE_DB_URL']);
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('personas-showcase');

Deno.serve(withRequestLog(log, (req) => preflight(req) ?? handlePersonasShowcase(req, db, log)));
