import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import axios from 'axios';
import { Types } from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookTargetGuard } from './allowlist.js';
import { deliverWebhook } from './sender.js';
import { generateWebhookSecret } from './signature.js';
import { ForbiddenWebhookUrlError } from './url-guard.js';

const PUBLIC = '93.184.215.14';
/** A name the system resolver really answers with loopback: a client resolving it on its own reaches the servers below. */
const REBINDING_HOST = 'localhost';
const workspaceId = new Types.ObjectId();
const http = axios.create({ proxy: false });

/** A plain HTTP helpdesk on every loopback address (IPv4 and IPv6), and what reached it. */
let server: Server;
let port: number;
let connections = 0;
let received: IncomingHttpHeaders[] = [];
/** A TLS endpoint that notes the name a client asks for (SNI) and then fails the handshake: there is no certificate. */
let tlsServer: TlsServer;
let tlsPort: number;
let tlsConnections = 0;
let serverNames: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(req.headers);
    req.resume().on('end', () => res.writeHead(200).end('ok'));
  }).on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '::', resolve));
  port = (server.address() as AddressInfo).port;
  tlsServer = createTlsServer({
    SNICallback: (name, done) => {
      serverNames.push(name);
      done(new Error('no certificate here'));
    },
  })
    .on('connection', () => tlsConnections++)
    .on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  tlsPort = (tlsServer.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await Promise.all([new Promise((resolve) => server.close(resolve)), new Promise((resolve) => tlsServer.close(resolve))]);
});
beforeEach(() => {
  connections = tlsConnections = 0;
  received = [];
  serverNames = [];
});

/** A resolver whose answer the test changes between the check and the connection, recording what it was asked. */
function changingDns(answer: string[] | Error) {
  const dns = {
    answer,
    asked: [] as string[],
    lookup: async (host: string) => {
      dns.asked.push(host);
      if (dns.answer instanceof Error) throw dns.answer;
      return dns.answer;
    },
  };
  return dns;
}

function guardWith(dns: ReturnType<typeof changingDns>, opts: { operator?: string[]; workspace?: string[] } = {}) {
  return new WebhookTargetGuard({ of: async () => ({ settings: { webhookAllowedHosts: opts.workspace ?? [] } }) }, opts.operator ?? [], dns.lookup);
}

/** The check, then (after `meanwhile`, the DNS changing its answer) one delivery through the guard's agents. */
async function deliverThrough(guard: WebhookTargetGuard, url: string, meanwhile = () => {}) {
  const agents = await guard.agentsFor(workspaceId, url);
  meanwhile();
  return deliverWebhook({ url, eventId: 'evt-1', body: '{}', secrets: [generateWebhookSecret()], http, agents });
}

async function refusal(delivery: Promise<unknown>): Promise<string> {
  const err = await delivery.then(
    (result) => result,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ForbiddenWebhookUrlError);
  return (err as ForbiddenWebhookUrlError).message;
}

describe('the webhook guard at connect time', () => {
  it('refuses a name that answered a public address at the check and loopback when connecting, before connecting', async () => {
    const dns = changingDns([PUBLIC]);
    const message = await refusal(deliverThrough(guardWith(dns), `http://${REBINDING_HOST}:${port}/hooks`, () => (dns.answer = ['127.0.0.1'])));
    expect(message).toBe('The webhook host localhost resolves to 127.0.0.1, which is not a public address (at connect time)');
    expect(connections).toBe(0);
    expect(received).toEqual([]);
    expect(dns.asked).toEqual(['localhost', 'localhost']);
  });

  it.each([
    ['IPv6 loopback', ['::1']],
    ['IPv4-mapped loopback', ['::ffff:127.0.0.1']],
    ['the metadata service among public addresses', [PUBLIC, '169.254.169.254']],
  ])('refuses a name rebound to %s', async (_name, rebound) => {
    const dns = changingDns([PUBLIC]);
    await refusal(deliverThrough(guardWith(dns), `http://${REBINDING_HOST}:${port}/hooks`, () => (dns.answer = rebound)));
    expect(connections).toBe(0);
  });

  it('refuses over HTTPS too, before any handshake', async () => {
    const dns = changingDns([PUBLIC]);
    await refusal(deliverThrough(guardWith(dns), `https://${REBINDING_HOST}:${tlsPort}/hooks`, () => (dns.answer = ['127.0.0.1'])));
    expect(tlsConnections).toBe(0);
  });

  it("keeps a workspace's narrowing at connect time", async () => {
    const dns = changingDns([PUBLIC]);
    const guard = guardWith(dns, { operator: ['127.0.0.0/8'], workspace: ['10.20.30.0/24'] });
    await refusal(deliverThrough(guard, `http://${REBINDING_HOST}:${port}/hooks`, () => (dns.answer = ['127.0.0.1'])));
    expect(connections).toBe(0);
  });

  it('connects to the address it vetted, keeping the name in the Host header', async () => {
    const dns = changingDns(['127.0.0.1']);
    const result = await deliverThrough(guardWith(dns, { operator: ['127.0.0.1'] }), `http://helpdesk.example:${port}/hooks`);
    expect(result).toMatchObject({ outcome: 'delivered', status: 200 });
    expect(received.map((h) => h.host)).toEqual([`helpdesk.example:${port}`]);
    expect(dns.asked).toEqual(['helpdesk.example', 'helpdesk.example']);
  });

  it('connects to an allowed IPv6 address', async () => {
    const dns = changingDns(['::1']);
    const result = await deliverThrough(guardWith(dns, { operator: ['::1'] }), `http://helpdesk.example:${port}/hooks`);
    expect(result).toMatchObject({ outcome: 'delivered', status: 200 });
  });

  it('asks for the name in TLS (SNI) while connecting to the vetted address', async () => {
    const dns = changingDns(['127.0.0.1']);
    const result = await deliverThrough(guardWith(dns, { operator: ['127.0.0.1'] }), `https://helpdesk.example:${tlsPort}/hooks`);
    expect(result.outcome).toBe('retry');
    expect(serverNames).toEqual(['helpdesk.example']);
  });

  it('trusts the answer for a name the operator allowlists, at connect time too', async () => {
    const dns = changingDns(['127.0.0.1']);
    const result = await deliverThrough(guardWith(dns, { operator: ['helpdesk.internal'] }), `http://helpdesk.internal:${port}/hooks`);
    expect(result.outcome).toBe('delivered');
  });

  it('connects to an allowed literal address without a lookup', async () => {
    const dns = changingDns([]);
    const result = await deliverThrough(guardWith(dns, { operator: ['[::1]'] }), `http://[::1]:${port}/hooks`);
    expect(result.outcome).toBe('delivered');
    expect(dns.asked).toEqual([]);
  });

  it('leaves a DNS failure at connect time a network error, to be retried', async () => {
    const dns = changingDns([PUBLIC]);
    const failure = Object.assign(new Error(`getaddrinfo ENOTFOUND ${REBINDING_HOST}`), { code: 'ENOTFOUND' });
    const result = await deliverThrough(guardWith(dns), `http://${REBINDING_HOST}:${port}/hooks`, () => (dns.answer = failure));
    expect(result).toMatchObject({ outcome: 'retry', error: expect.stringContaining('ENOTFOUND') });
    expect(connections).toBe(0);
  });

  it("keeps the agents of the workspaces that sent lately, a bounded number, and makes a dropped workspace's pair afresh", async () => {
    const dns = changingDns([PUBLIC]);
    const guard = new WebhookTargetGuard({ of: async () => ({ settings: {} }) }, [], dns.lookup, 2);
    const url = 'https://helpdesk.example/hooks';
    const [a, b] = ['64b7f0c2a1e4c9d8f0a1b2c3', '64b7f0c2a1e4c9d8f0a1b2c4'];
    const first = await guard.agentsFor(a, url);
    expect(await guard.agentsFor(a, url)).toBe(first);
    const second = await guard.agentsFor(b, url);
    await guard.agentsFor(a, url);
    // A third workspace drops the least recently used pair: b's, not a's.
    await guard.agentsFor('64b7f0c2a1e4c9d8f0a1b2c5', url);
    expect(await guard.agentsFor(a, url)).toBe(first);
    expect(await guard.agentsFor(b, url)).not.toBe(second);
  });
});
