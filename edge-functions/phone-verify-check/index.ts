import { commandWiring } from '../_shared/wiring.ts';
import { preflight } from '../_shared/cors.ts';
import { handleVerifyCheck } from './handler.ts';

const deps = commandWiring();

Deno.serve((req) => preflight(req) ?? handleVerifyCheck(req, deps));
