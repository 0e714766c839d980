import type { IncomingHttpHeaders } from 'node:http';
import type { Changes } from './changes.js';
import { text } from './json.js';
import { signatureMatches } from './standard-webhooks.js';
import type { HelpdeskDelivery } from './view.js';

const KEPT = 200;
const TOLERANCE_SECONDS = 5 * 60;

/**
 * A helpdesk's webhook endpoint: records every Standard Webhooks delivery the gateway makes and
 * checks its signature the way a receiver would (HMAC-SHA256 of `id.timestamp.body` keyed with
 * the base64 after `whsec_`), against the subscription secrets it was given. With secrets known,
 * a delivery none of them signed is refused with 401; before any, deliveries are kept unverified.
 */
export class HelpdeskInbox {
  /** Newest first. */
  readonly deliveries: HelpdeskDelivery[] = [];

  /** `secrets` is the list the inbox keeps adding to (the accounts file's). */
  constructor(
    private readonly changes: Changes,
    private readonly secrets: string[],
  ) {}

  get secretCount(): number {
    return this.secrets.length;
  }

  addSecret(secret: string): void {
    if (!this.secrets.includes(secret)) this.secrets.push(secret);
    this.changes.notify();
  }

  /** Takes one delivery; returns the status to answer. */
  receive(headers: IncomingHttpHeaders, rawBody: Buffer): number {
    const header = (name: string) => String(headers[name] ?? '');
    const webhookId = header('webhook-id');
    const timestamp = header('webhook-timestamp');
    const body = rawBody.toString('utf8');
    const fresh = /^\d+$/.test(timestamp) && Math.abs(Date.now() / 1000 - Number(timestamp)) <= TOLERANCE_SECONDS;
    const signatures = header('webhook-signature').split(' ').filter(Boolean);
    const verified = this.secrets.length === 0 ? null : fresh && this.secrets.some((s) => signatureMatches(s, webhookId, timestamp, body, signatures));
    let event: unknown = body;
    try {
      event = JSON.parse(body);
    } catch {
      // kept as text
    }
    this.deliveries.unshift({ webhookId, type: text(event, 'type') ?? '?', receivedAt: new Date().toISOString(), verified, summary: summaryOf(event), body: event });
    this.deliveries.splice(KEPT);
    this.changes.notify();
    return verified === false ? 401 : 200;
  }
}

/** One line about the event for the inbox list. */
function summaryOf(event: unknown): string {
  const message = (...keys: string[]) => text(event, 'data', 'message', ...keys);
  const type = text(event, 'type') ?? '';
  if (type.startsWith('message.')) {
    const words = message('content', 'text') ?? message('type') ?? '';
    return `${message('direction') ?? ''} ${message('status') ?? ''}: ${words}`.trim();
  }
  if (type.startsWith('conversation.')) return `conversation ${text(event, 'data', 'conversation', 'status') ?? ''}`.trim();
  return '';
}
