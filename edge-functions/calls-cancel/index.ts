import { preflight } from '../_shared/cors.ts';
import { withRequestLog } from '../_shared/logger.ts';
import { commandWiring } from '../_shared/wiring.ts';
import { handleCallsCancel } from './handler.ts';

const deps = commandWiring('calls-cancel');

Deno.serve(withRequestLog(deps.log, (req) => preflight(req) ?? handleCallsCancel(req, deps)));
