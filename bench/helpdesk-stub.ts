/** A helpdesk for the benchmarks: receives signed webhooks on loopback and notes each message's first arrival. */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../src/webhooks/signature.js';

export interface HelpdeskStub {
  url: string;
  /** The subscription's signing secret: set once the subscription exists; every request is verified with it. */
  secret: string;
  /** provider message id → when its `message.received` first arrived (performance.now()). */
  received: Map<string, number>;
  badSignatures: number;
  close(): void;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Verifies every request as a receiver would (a bad signature is a 401), then records `message.received`. */
export async function startHelpdeskStub(): Promise<HelpdeskStub> {
  const stub: Omit<HelpdeskStub, 'url' | 'close'> = { secret: '', received: new Map(), badSignatures: 0 };
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const at = performance.now();
      // verifyWebhook answers false for a bad request and throws only for a malformed secret.
      let valid = false;
      try {
        valid = verifyWebhook({ headers: req.headers, body, secret: stub.secret });
      } catch {
        // no usable secret: nothing can be verified
      }
      if (!valid) {
        stub.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const event = JSON.parse(body) as { type: string; data: { message?: { providerMessageId?: string } } };
      const id = event.data.message?.providerMessageId;
      if (event.type === 'message.received' && id && !stub.received.has(id)) stub.received.set(id, at);
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(stub, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, close: () => server.close() });
}

/** Subscribes the stub to the gateway's `message.received` events and keeps the secret it is given. */
export async function subscribeStub(gateway: { base: string; apiKey: string }, stub: HelpdeskStub): Promise<void> {
  const res = await fetch(`${gateway.base}/v1/webhook-subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: stub.url, events: ['message.received'] }),
  });
  if (res.status !== 201) throw new Error(`subscription: ${res.status} ${await res.text()}`);
  stub.secret = ((await res.json()) as { secret: string }).secret;
}
