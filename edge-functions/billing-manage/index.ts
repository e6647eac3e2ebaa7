import { preflight } from '../_shared/cors.ts';
import { database } from '../_shared/db.ts';
import { functionSettings } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { requirePublishableKey } from '../_shared/project_keys.ts';
import { stripeClient } from '../_shared/stripe_client.ts';
import { liveSessionDeps } from '../_shared/user_session.ts';
import { handleBillingManage, type ManageStripe } from './handler.ts';

const env = functionSettings(['SUPABASE_URL', 'SUPABASE_DB_URL', 'STRIPE_SECRET_KEY', 'STRIPE_API_BASE']);
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('billing-manage');
const stripe = stripeClient(env.STRIPE_SECRET_KEY, env.STRIPE_API_BASE);

const deps = {
  session: liveSessionDeps(env.SUPABASE_URL, requirePublishableKey(), (sql, args) => db.query(sql, args)),
  db,
  stripe: stripe as unknown as ManageStripe,
  log
};

Deno.serve(withRequestLog(log, (req) => preflight(req) ?? handleBillingManage(req, deps)));
