import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

/** The agents a webhook request goes through, by the URL's scheme. */
export interface GuardedAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

/**
 * Resolves a host as it is being connected to and returns the addresses the socket may use;
 * throws ForbiddenWebhookUrlError when it may use none.
 */
type ConnectableAddresses = (host: string) => Promise<string[]>;

const IDLE_SOCKET_MS = 30_000;

/**
 * Agents whose sockets connect only to addresses `connectable` vetted at that moment: a name that
 * answered a public address at the check and a private one now (DNS rebinding) is refused, not
 * followed. The socket is handed exactly the vetted addresses, while the request keeps the name,
 * so the Host header and TLS SNI and certificate check stay right. An IP-literal URL is never
 * looked up (Node connects to it as is), so the check before the request is the one that counts.
 * Sockets are kept alive for the next request: each was checked when it connected, and the
 * address of an open socket does not change.
 */
export function guardedAgents(connectable: ConnectableAddresses): GuardedAgents {
  const lookup: LookupFunction = (host, options, callback) => {
    connectable(host).then(
      (all) => {
        const wanted = familyOf(options.family);
        const addresses = all.map((address) => ({ address, family: isIP(address) })).filter((a) => !wanted || a.family === wanted);
        const [first] = addresses;
        if (!first) callback(Object.assign(new Error(`Found no address to connect to for ${host}`), { code: 'ENOTFOUND' }), '', 0);
        else if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: Error) => callback(err, '', 0),
    );
  };
  // Idle sockets close after a while, so a narrowed allowlist reaches every new connection soon.
  const options = { lookup, keepAlive: true, timeout: IDLE_SOCKET_MS };
  return { http: new HttpAgent(options), https: new HttpsAgent(options) };
}

/** The address family a connection asks for, 4 or 6; 0 for either. */
function familyOf(family: number | 'IPv4' | 'IPv6' | undefined): number {
  return family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : (family ?? 0);
}
