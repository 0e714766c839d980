/**
 * The provider's side: `count` distinct messages, each a signed WhatsApp Cloud webhook with its
 * own wamid, posted at a steady rate whatever the answers (open loop). Like Meta, a message that
 * is not acknowledged (an answer other than 2xx, a connection error, no answer within the
 * timeout) is posted again, byte for byte, after a growing pause, until it is acknowledged or the
 * load is stopped.
 *
 * Customers come and go as on a live number: `activeSenders` write at once, taking turns, and
 * each is replaced by a new customer after `messagesPerSender` messages, the replacements spread
 * over time; so conversations with several messages run side by side, and new ones keep starting.
 */
import { signMeta } from '../support.js';
import { textMessage, unix } from '../../test/support/whatsapp-payloads.js';
import type { Channel } from './provision.js';

const REQUEST_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5_000;

export interface LoadPlan {
  count: number;
  ratePerSecond: number;
  activeSenders: number;
  messagesPerSender: number;
}

export interface SentMessage {
  wamid: string;
  body: string;
  signature: string;
  posts: number;
  acknowledged: boolean;
}

export class ProviderLoad {
  /** Every message posted at least once, in the order first posted. */
  readonly messages: SentMessage[] = [];
  /** Each message's posts, until acknowledged or stopped. */
  private readonly postings: Promise<void>[] = [];
  private stopped = false;
  /** Posts made, for spreading them. */
  private posted = 0;

  constructor(
    private readonly channel: Channel,
    /** Names this load's wamids and texts. */
    private readonly label: string,
    private readonly plan: LoadPlan,
    /** API processes behind a load balancer (their base URLs): posts go to each in turn; the channel's own when empty. */
    private readonly spreadOver: string[] = [],
  ) {}

  /** Posts beyond each message's first. */
  get retries(): number {
    return this.messages.reduce((sum, m) => sum + m.posts - 1, 0);
  }

  /** Posts each message once at the rate; resolves after the last first post (retries go on). */
  async run(): Promise<void> {
    const began = performance.now();
    for (let n = 0; n < this.plan.count && !this.stopped; n++) {
      const wait = began + (n * 1000) / this.plan.ratePerSecond - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const message = this.message(n);
      this.messages.push(message);
      this.postings.push(this.postUntilAcknowledged(message));
    }
  }

  /** Stops retrying and waits for the posts in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.postings);
  }

  private message(n: number): SentMessage {
    const { activeSenders, messagesPerSender } = this.plan;
    const slot = n % activeSenders;
    // Each slot moves to its next customer at its own round, offset by the slot.
    const generation = Math.floor((Math.floor(n / activeSenders) + slot) / messagesPerSender);
    const from = `1555${String(slot).padStart(3, '0')}${String(generation).padStart(5, '0')}`;
    const wamid = `wamid.chaos.${this.label}.${n}`;
    const body = JSON.stringify(textMessage(this.channel.phoneNumberId, { id: wamid, from, timestamp: unix(new Date()), text: `${this.label} message ${n}` }));
    return { wamid, body, signature: signMeta(body, this.channel.appSecret), posts: 0, acknowledged: false };
  }

  private async postUntilAcknowledged(message: SentMessage): Promise<void> {
    for (let pause = FIRST_RETRY_MS; !this.stopped; pause = Math.min(pause * 2, MAX_RETRY_MS)) {
      message.posts++;
      if (await this.post(message)) {
        message.acknowledged = true;
        return;
      }
      // Jittered, so retries after an outage do not all come back at once.
      await new Promise((r) => setTimeout(r, pause * (0.8 + 0.4 * Math.random())));
    }
  }

  /** Where the next post goes: the load balancer's pick, round robin over every post. */
  private nextUrl(): string {
    if (this.spreadOver.length === 0) return this.channel.webhookUrl;
    const { pathname } = new URL(this.channel.webhookUrl);
    return `${this.spreadOver[this.posted++ % this.spreadOver.length]}${pathname}`;
  }

  private async post(message: SentMessage): Promise<boolean> {
    try {
      const res = await fetch(this.nextUrl(), {
        method: 'POST',
        body: message.body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': message.signature },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false; // refused, reset or timed out: the provider tries again
    }
  }
}
