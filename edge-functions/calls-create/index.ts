import { callWiring } from '../_shared/call_wiring.ts';
import { preflight } from '../_shared/cors.ts';
import { withRequestLog } from '../_shared/logger.ts';
import { handleCallsCreate } from './handler.ts';

const deps = callWiring('calls-create');

Deno.serve(withRequestLog(deps.log, (req) => preflight(req) ?? handleCallsCreate(req, deps)));
