// Which address a request came from, for the limits that count per address (calls, verification codes). Only the
// proxies in front of the functions can be believed: each appends the address it was connected from to the trusted
// header, so the entry `hops` places from the right was written by the outermost trusted proxy. Everything to its
// left came from the client and is ignored. A request that lacks the header (or whose entry is not an address) is
// not exempt: it is counted under UNKNOWN_ADDRESS, one bucket shared by every such request.

export interface ProxyTrust {
  /** Lower-case header name the trusted proxies write, e.g. x-forwarded-for. */
  header: string;
  /** How many trusted proxies append to it (1 for one reverse proxy). */
  hops: number;
}

export const DEFAULT_PROXY_TRUST: ProxyTrust = { header: 'x-forwarded-for', hops: 1 };
export const UNKNOWN_ADDRESS = 'unknown';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
function ipv6Groups(text: string): number[] | null {
  let s = text;
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two groups.
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    if (!IPV4.test(v4[2]!)) return null;
    const b = v4[2]!.split('.').map(Number);
    s = `${v4[1]}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/**
 * The bucket an address counts under: an IPv4 address as written; an IPv6 address by its /64 network, because one
 * subscriber is given a whole /64 and could otherwise take a fresh address for every request. IPv4-mapped IPv6
 * addresses count as their IPv4 address. Null when the text is not an address.
 */
export function addressBucket(raw: string): string | null {
  let s = raw.trim();
  // "[2001:db8::1]:443" and "192.0.2.1:443" carry a port some proxies keep.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed) s = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
  s = s.replace(/%.*$/, '');
  if (IPV4.test(s)) return s;
  const g = ipv6Groups(s);
  if (!g) return null;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255].join('.');
  }
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}

/** The address (bucket) a request counts under for per-address limits. */
export function clientAddress(req: Request, trust: ProxyTrust = DEFAULT_PROXY_TRUST): string {
  const raw = req.headers.get(trust.header);
  if (!raw) return UNKNOWN_ADDRESS;
  // Several header lines arrive joined with ", " (Fetch's Headers.get), so they read as one list.
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length < trust.hops) return UNKNOWN_ADDRESS;
  return addressBucket(entries[entries.length - trust.hops]!) ?? UNKNOWN_ADDRESS;
}

let warned = false;

/**
 * clientAddress, saying once per worker when the trusted header was missing: on a platform that does not send it,
 * every request shares the unknown bucket and the per-address limits act as one global cap (README, "Client
 * addresses", says how to check and what to set).
 */
export function clientAddressNoting(req: Request, trust: ProxyTrust | undefined, log?: (line: string) => void): string {
  const t = trust ?? DEFAULT_PROXY_TRUST;
  const address = clientAddress(req, t);
  if (address === UNKNOWN_ADDRESS && !warned && log) {
    warned = true;
    log(`client address unknown: no usable ${t.header} entry ${t.hops} from the right; such requests share one per-address bucket (check TRUSTED_PROXY_HEADER and TRUSTED_PROXY_HOPS)`);
  }
  return address;
}
