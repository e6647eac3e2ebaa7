import { preflight } from '../_shared/cors.ts';
import { functionSettings } from '../_shared/env.ts';
import { withRequestLog } from '../_shared/logger.ts';
import { commandWiring } from '../_shared/wiring.ts';
import { DEFAULT_SEND_LIMITS, handleVerifyStart } from './handler.ts';

const env = functionSettings(['CODES_PER_ADDRESS_PER_HOUR']);
const deps = { ...commandWiring('phone-verify-start'), limits: { ...DEFAULT_SEND_LIMITS, perIpPerHour: env.CODES_PER_ADDRESS_PER_HOUR } };

Deno.serve(withRequestLog(deps.log, (req) => preflight(req) ?? handleVerifyStart(req, deps)));
