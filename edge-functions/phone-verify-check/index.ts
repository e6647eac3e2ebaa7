import { preflight } from '../_shared/cors.ts';
import { withRequestLog } from '../_shared/logger.ts';
import { commandWiring } from '../_shared/wiring.ts';
import { handleVerifyCheck } from './handler.ts';

const deps = commandWiring('phone-verify-check');

Deno.serve(withRequestLog(deps.log, (req) => preflight(req) ?? handleVerifyCheck(req, deps)));
