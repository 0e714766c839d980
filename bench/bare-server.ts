/**
 * What both bare baselines (bench/baseline-server.ts, bench/e2e-baseline-server.ts) do before
 * their own work: plain node:http on loopback, the whole body read, Meta's HMAC-SHA256 signature
 * checked as the gateway checks it (401 otherwise), and the port printed as `{"port": N}` for the
 * benchmark that started the process.
 */
import { timingSafeEqual } from 'node:crypto';
import http, { type ServerResponse } from 'node:http';
import { metaSignature } from '../sandbox/providers/meta/webhook.js';

export function serveSignedWebhooks(appSecret: string, port: number, handle: (body: Buffer, res: ServerResponse) => Promise<void>): void {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const expected = Buffer.from(metaSignature(body, appSecret));
      const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401).end();
        return;
      }
      void handle(body, res);
    });
  });
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
  });
}
