import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { signatureMatches } from '../../sandbox/standard-webhooks.js';

/**
 * A helpdesk on loopback that receives Omnigate's webhooks the way a real receiver would: it
 * checks the Standard Webhooks signature itself (not with the gateway's code) against the
 * secrets it was given, rejects a bad one with 401, and answers as the test tells it to. It
 * can go down (connection refused) and come back on the same port.
 */

export interface HelpdeskRequest {
  path: string;
  webhookId: string;
  timestamp: string;
  /** The `v1,` entries of `webhook-signature`. */
  signatures: string[];
  /** Which of the stub's secrets verified it (empty: rejected). */
  verifiedWith: string[];
  body: string;
  event: { type: string; timestamp: string; data: any };
  /** The status it was answered with; undefined while it hangs. */
  status?: number;
}

/** What to answer: a status with optional headers and JSON body, or hold the request open. */
export type HelpdeskAnswer = { status: number; headers?: Record<string, string>; body?: unknown } | 'hang';

const TOLERANCE_SECONDS = 5 * 60;

/** The receiver's check, written from the spec (the sandbox's helpdesk inbox makes the same one). */
export { signatureMatches };

export class HelpdeskStub {
  /** Every request that reached the stub, in arrival order. */
  readonly requests: HelpdeskRequest[] = [];
  /** The secrets a signature may verify with (the subscription's; both during a rotation). */
  secrets: string[] = [];
  /** Decides each answer; a request that fails the signature check gets 401 before this is asked. */
  answer: (req: HelpdeskRequest) => HelpdeskAnswer = () => ({ status: 200 });
  /** The most requests held open at once. */
  maxOpen = 0;
  private open = 0;
  private hung: http.ServerResponse[] = [];
  private readonly sockets = new Set<Socket>();
  private server: http.Server;

  private constructor(private port = 0) {
    this.server = this.createServer();
  }

  static async start(): Promise<HelpdeskStub> {
    const stub = new HelpdeskStub();
    await stub.listen();
    return stub;
  }

  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests answered 2xx, i.e. accepted by the helpdesk. */
  get accepted(): HelpdeskRequest[] {
    return this.requests.filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300);
  }

  /** Requests whose signature verified with none of the secrets. */
  get rejected(): HelpdeskRequest[] {
    return this.requests.filter((r) => r.verifiedWith.length === 0);
  }

  /** Goes down: open connections are cut and new ones refused. */
  async stop(): Promise<void> {
    this.releaseHung();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Comes back on the same port. */
  async restart(): Promise<void> {
    this.server = this.createServer();
    await this.listen();
  }

  /** Answers every held request, with 200 unless told otherwise. */
  releaseHung(status = 200): void {
    for (const res of this.hung.splice(0)) if (!res.writableEnded) res.writeHead(status).end();
  }

  private listen(): Promise<void> {
    return new Promise((resolve) =>
      this.server.listen(this.port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      }),
    );
  }

  private createServer(): http.Server {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const header = (name: string) => String(req.headers[name] ?? '');
    const webhookId = header('webhook-id');
    const timestamp = header('webhook-timestamp');
    const signatures = header('webhook-signature').split(' ').filter(Boolean);
    const fresh = /^\d+$/.test(timestamp) && Math.abs(Date.now() / 1000 - Number(timestamp)) <= TOLERANCE_SECONDS;
    const verifiedWith = fresh ? this.secrets.filter((s) => signatureMatches(s, webhookId, timestamp, body, signatures)) : [];
    let event: HelpdeskRequest['event'];
    try {
      event = JSON.parse(body);
    } catch {
      event = { type: '', timestamp: '', data: null };
    }
    const record: HelpdeskRequest = { path: req.url ?? '', webhookId, timestamp, signatures, verifiedWith, body, event };
    this.requests.push(record);
    const answer: HelpdeskAnswer = verifiedWith.length === 0 ? { status: 401 } : this.answer(record);
    if (answer === 'hang') {
      this.open++;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      res.on('close', () => this.open--);
      this.hung.push(res);
      res.on('finish', () => (record.status = res.statusCode));
      return;
    }
    record.status = answer.status;
    const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, { ...(payload && { 'content-type': 'application/json' }), ...answer.headers }).end(payload);
  }
}
