// What the platform's proxy does to every request before a service sees it: the address the connection came from
// is appended to X-Forwarded-For (whatever the client put there stays to its left, untrusted) and X-Real-IP is
// overwritten with it. Functions take the client address from the trusted end of that list (client_address.ts), so
// a client cannot pick its own rate-limit bucket by sending the headers itself.
import type { IncomingMessage } from 'node:http';

/** The peer address of the connection, IPv4-mapped IPv6 written as plain IPv4. */
export function peerAddress(req: IncomingMessage): string | null {
  const raw = req.socket.remoteAddress;
  if (!raw) return null;
  return raw.startsWith('::ffff:') && raw.includes('.') ? raw.slice('::ffff:'.length) : raw;
}

export function appendForwardedFor(req: IncomingMessage): void {
  const peer = peerAddress(req);
  if (!peer) return;
  const sent = req.headers['x-forwarded-for'];
  const prior = (Array.isArray(sent) ? sent.join(', ') : sent ?? '').trim();
  req.headers['x-forwarded-for'] = prior ? `${prior}, ${peer}` : peer;
  req.headers['x-real-ip'] = peer;
}
