import assert from 'node:assert/strict';
import { addressBucket, clientAddress, UNKNOWN_ADDRESS } from './client_address.ts';

const req = (headers: Record<string, string>) => new Request('http://functions/x', { headers });

Deno.test('the address is the entry the trusted proxy appended, whatever the client put to its left', () => {
  // The client sent "X-Forwarded-For: 203.0.113.7, 10.9.9.9"; the one proxy appended the peer it saw.
  assert.equal(clientAddress(req({ 'x-forwarded-for': '203.0.113.7, 10.9.9.9, 198.51.100.20' })), '198.51.100.20');
  assert.equal(clientAddress(req({ 'x-forwarded-for': '198.51.100.20' })), '198.51.100.20');
  // Two proxies (e.g. a CDN, then the gateway): the CDN's entry is second from the right.
  assert.equal(clientAddress(req({ 'x-forwarded-for': '6.6.6.6, 198.51.100.20, 172.16.0.3' }), { header: 'x-forwarded-for', hops: 2 }), '198.51.100.20');
});

Deno.test('a request without the header, or with too few entries or no address, counts as unknown (never as exempt)', () => {
  assert.equal(clientAddress(req({})), UNKNOWN_ADDRESS);
  assert.equal(clientAddress(req({ 'x-forwarded-for': '' })), UNKNOWN_ADDRESS);
  assert.equal(clientAddress(req({ 'x-forwarded-for': ' , ' })), UNKNOWN_ADDRESS);
  assert.equal(clientAddress(req({ 'x-forwarded-for': '198.51.100.20' }), { header: 'x-forwarded-for', hops: 2 }), UNKNOWN_ADDRESS);
  assert.equal(clientAddress(req({ 'x-forwarded-for': '1.2.3.4, not-an-address' })), UNKNOWN_ADDRESS);
  // Headers other than the trusted one are never read.
  assert.equal(clientAddress(req({ 'x-real-ip': '203.0.113.7', 'cf-connecting-ip': '203.0.113.8' })), UNKNOWN_ADDRESS);
});

Deno.test('a single-value header such as cf-connecting-ip is read with one hop', () => {
  assert.equal(clientAddress(req({ 'cf-connecting-ip': '203.0.113.9', 'x-forwarded-for': '1.1.1.1' }), { header: 'cf-connecting-ip', hops: 1 }), '203.0.113.9');
});

Deno.test('IPv6 addresses count per /64; mapped IPv4 and ports are normalised', () => {
  assert.equal(addressBucket('2001:db8:aa:bb:1:2:3:4'), '2001:db8:aa:bb::/64');
  assert.equal(addressBucket('2001:DB8:AA:BB::9'), '2001:db8:aa:bb::/64');
  assert.equal(addressBucket('[2001:db8::1]:443'), '2001:db8:0:0::/64');
  assert.equal(addressBucket('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(addressBucket('::ffff:c000:201'), '192.0.2.1');
  assert.equal(addressBucket('192.0.2.1:8080'), '192.0.2.1');
  assert.equal(addressBucket('::1'), '0:0:0:0::/64');
  for (const bad of ['256.1.1.1', '1.2.3', '2001:db8::1::2', '1:2:3:4:5:6:7:8:9', 'evil.example', '']) assert.equal(addressBucket(bad), null);
});
