import { callWiring } from '../_shared/call_wiring.ts';
import { preflight } from '../_shared/cors.ts';
import { handleCallsCreate } from './handler.ts';

const deps = callWiring();

Deno.serve((req) => preflight(req) ?? handleCallsCreate(req, deps));
