// Liveness for container health checks and start scripts: answers once the server is up, touches nothing else, so a
// slow Supabase does not get a healthy web server restarted.
import type { RequestHandler } from './$types';

export const GET: RequestHandler = () => new Response('ok\n', { headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' } });
