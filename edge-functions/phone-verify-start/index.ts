import { preflight } from '../_shared/cors.ts';
import { withRequestLog } from '../_shared/logger.ts';
import { commandWiring } from '../_shared/wiring.ts';
import { handleVerifyStart } from './handler.ts';

const deps = commandWiring('phone-verify-start');

Deno.serve(withRequestLog(deps.log, (req) => preflight(req) ?? handleVerifyStart(req, deps)));
