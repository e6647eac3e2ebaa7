import { preflight } from '../_shared/cors.ts';
import { commandWiring } from '../_shared/wiring.ts';
import { handleCallsCancel } from './handler.ts';

const deps = commandWiring();

Deno.serve((req) => preflight(req) ?? handleCallsCancel(req, deps));
