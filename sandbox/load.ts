import type { SandboxClient } from './client.js';
import { text } from './json.js';
import type { ProviderType } from './view.js';

export interface LoadOptions {
  type: ProviderType;
  customers: number;
  /** Customer messages per second, all customers together. */
  rate: number;
  seconds: number;
  /** How long to wait after the last message for the helpdesk inbox to receive it. */
  drainSeconds: number;
}

export interface LoadReport {
  sent: number;
  /** Answered 200 by the gateway (recorded there). */
  accepted: number;
  /** Time from the customer's message to the gateway's answer of the provider's webhook, ms. */
  ackMs: { p50: number; p95: number; max: number };
  /** Time from the customer's message to the helpdesk inbox's `message.received`, ms; null without a subscription. */
  helpdeskMs: { p50: number; p95: number; max: number; missing: number } | null;
}

const INBOX_POLL_MS = 200;

/**
 * Customers of one provider write at a steady rate, each message a signed provider webhook; the
 * gateway's answers are timed, and so is the arrival of each message at the helpdesk inbox when
 * one is subscribed (the inbox is read often enough that its bounded list loses nothing).
 */
export async function runLoad(client: SandboxClient, opts: LoadOptions): Promise<LoadReport> {
  const run = Date.now().toString(36);
  const customers = await Promise.all(Array.from({ length: opts.customers }, (_, n) => client.addCustomer(opts.type, `Load ${run} ${n + 1}`)));
  const sentAt = new Map<string, number>();
  const received = new Map<string, number>();
  const inbox = setInterval(() => void readInbox(client, received), INBOX_POLL_MS);
  const acks: number[] = [];
  let accepted = 0;
  const total = Math.round(opts.rate * opts.seconds);
  const started = Date.now();
  const pending: Array<Promise<void>> = [];
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / opts.rate;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const words = `load ${run} #${n}`;
    const at = Date.now();
    pending.push(
      client.say(customers[n % customers.length]!.id, words).then((m) => {
        acks.push(Date.now() - at);
        sentAt.set(m.id, at);
        if (m.gateway?.status === 200) accepted++;
      }),
    );
  }
  await Promise.all(pending);
  const subscribed = (await client.helpdesk()).secrets > 0;
  const deadline = Date.now() + opts.drainSeconds * 1000;
  while (subscribed && Date.now() < deadline && [...sentAt.keys()].some((id) => !received.has(id))) await new Promise((r) => setTimeout(r, INBOX_POLL_MS));
  clearInterval(inbox);
  await readInbox(client, received);
  const latencies = [...sentAt].flatMap(([id, at]) => (received.has(id) ? [received.get(id)! - at] : []));
  return {
    sent: total,
    accepted,
    ackMs: spread(acks),
    helpdeskMs: subscribed ? { ...spread(latencies), missing: sentAt.size - latencies.length } : null,
  };
}

/** Notes when each customer message (by provider id) first reached the inbox as `message.received`. */
async function readInbox(client: SandboxClient, received: Map<string, number>): Promise<void> {
  for (const d of (await client.helpdesk()).deliveries) {
    const id = text(d.body, 'data', 'message', 'providerMessageId');
    if (d.type === 'message.received' && id && !received.has(id)) received.set(id, Date.parse(d.receivedAt));
  }
}

function spread(values: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 };
}
