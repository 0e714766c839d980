import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** A webhook URL the gateway will not call: not http(s), or reaching a non-public network. */
export class ForbiddenWebhookUrlError extends Error {
  readonly code = 'webhook_url_forbidden';
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenWebhookUrlError';
  }
}

/**
 * Whether a customer-supplied URL may reach the address (SSRF): only global unicast. ipaddr.js
 * names every special-purpose range (private, loopback, link-local with cloud metadata at
 * 169.254.169.254, carrier-grade NAT, benchmarking, documentation, NAT64, 6to4, Teredo, unique
 * local, multicast, reserved) and unwraps IPv4-mapped IPv6 (::ffff:10.0.0.1) before it decides.
 */
function isPublicAddress(address: string): boolean {
  return ipaddr.process(address).range() === 'unicast';
}

export type Lookup = (host: string) => Promise<string[]>;

export const systemLookup: Lookup = async (host) => (await dnsLookup(host, { all: true })).map((a) => a.address);

/** Lower case, no IPv6 brackets, no trailing root dot: the form both sides compare in. */
function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

function ipType(address: string): 'ipv4' | 'ipv6' | undefined {
  const family = isIP(address);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : undefined;
}

function parseAllowlist(entries: string[]): { hosts: Set<string>; addresses: BlockList } {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const entry of entries) {
    const [rawAddress = '', prefix, ...rest] = entry.trim().split('/');
    const address = normalizeHost(rawAddress);
    const type = ipType(address);
    if (prefix === undefined) {
      if (type) addresses.addAddress(address, type);
      else hosts.add(address);
      continue;
    }
    const bits = Number(prefix);
    if (!type || rest.length > 0 || !/^\d+$/.test(prefix) || bits > (type === 'ipv4' ? 32 : 128)) {
      throw new Error(`Invalid webhook allowlist entry ${entry}`);
    }
    addresses.addSubnet(address, bits, type);
  }
  return { hosts, addresses };
}

/** Whether an allowlist entry reads as a hostname, an address or a CIDR. */
export function isValidAllowlistEntry(entry: string): boolean {
  const isHostname = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(entry);
  try {
    const parsed = parseAllowlist([entry]);
    return parsed.hosts.size === 0 || isHostname;
  } catch {
    return false;
  }
}

/** The host of an http(s) URL, in the form the checks compare; ForbiddenWebhookUrlError for any other URL. */
export function webhookHostOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ForbiddenWebhookUrlError('The webhook URL is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ForbiddenWebhookUrlError(`The webhook URL must be http or https, not ${parsed.protocol.replace(/:$/, '')}`);
  }
  return normalizeHost(parsed.hostname);
}

/**
 * Throws ForbiddenWebhookUrlError unless `host`, a literal IP or every address `lookup` gives
 * for it, is public. Allowlisted hostnames skip the check; allowlisted addresses or CIDRs pass
 * it. DNS errors from `lookup` propagate as they are.
 */
export async function assertPublicHost(rawHost: string, opts: { allowlist?: string[]; lookup?: Lookup } = {}): Promise<void> {
  const host = normalizeHost(rawHost);
  const allow = parseAllowlist(opts.allowlist ?? []);
  if (allow.hosts.has(host)) return;

  const addresses = ipType(host) ? [host] : await (opts.lookup ?? systemLookup)(host);
  if (addresses.length === 0) throw new ForbiddenWebhookUrlError(`The webhook host ${host} resolves to no address`);
  for (const raw of addresses) {
    const address = normalizeHost(raw);
    const type = ipType(address);
    if (!type) throw new ForbiddenWebhookUrlError(`The webhook host ${host} resolves to ${raw}, not an IP address`);
    if (allow.addresses.check(address, type)) continue;
    if (!isPublicAddress(address)) {
      throw new ForbiddenWebhookUrlError(
        address === host
          ? `The webhook host ${host} is not a public address`
          : `The webhook host ${host} resolves to ${address}, which is not a public address`,
      );
    }
  }
}
