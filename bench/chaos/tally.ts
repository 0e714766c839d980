/**
 * Counts one fault's outcome from the outside: what the provider sent and got acknowledged (the
 * load), what the store holds (its `messages` collection by provider message id, read directly)
 * and what the helpdesk accepted (signed `message.received` deliveries). The line order of the
 * deliveries (`webhook_deliveries.orderKey`, docs/architecture.md "Events to helpdesks") is the
 * order the helpdesk must see per conversation.
 */
import type { Connection } from 'mongoose';
import type { HelpdeskRequest, HelpdeskStub } from '../../test/support/helpdesk-stub.js';
import type { ProviderLoad } from './provider-load.js';

export interface Progress {
  sent: number;
  acknowledged: number;
  /** Acknowledged messages found in the store. */
  storedAcknowledged: number;
  /** Stored messages whose `message.received` the helpdesk accepted. */
  deliveredStored: number;
  stored: number;
}

export interface Figures extends Progress {
  /** Acknowledged but not in the store. */
  lost: number;
  /** Stored more than once, or announced to the helpdesk under more than one event id. */
  duplicated: number;
  /** Distinct `message.received` events the helpdesk accepted. */
  delivered: number;
  /** Stored, but their event never accepted by the helpdesk. */
  undelivered: number;
  /** Events the helpdesk first accepted after a later one of the same conversation. */
  orderViolations: number;
  /** Sent but never acknowledged, however often retried. */
  unacknowledged: number;
  /** The same event (webhook-id) accepted again: at-least-once delivery, which receivers dedupe. */
  redeliveries: number;
  /** Requests whose signature the helpdesk could not verify. */
  badSignatures: number;
  providerRetries: number;
  /** A few provider message ids of each failure, for the report. */
  examples: { lost: string[]; duplicated: string[]; undelivered: string[]; outOfOrder: string[]; unacknowledged: string[] };
}

const EXAMPLES = 10;

function providerMessageIdOf(request: HelpdeskRequest): string | undefined {
  return request.event.type === 'message.received' ? request.event.data?.message?.providerMessageId : undefined;
}

export class Tally {
  constructor(
    private readonly store: Connection,
    private readonly helpdesk: HelpdeskStub,
    private readonly load: ProviderLoad,
  ) {}

  async progress(): Promise<Progress> {
    const copies = await this.storedCopies();
    const delivered = this.acceptedEvents();
    const acked = this.load.messages.filter((m) => m.acknowledged);
    return {
      sent: this.load.messages.length,
      acknowledged: acked.length,
      storedAcknowledged: acked.filter((m) => copies.has(m.wamid)).length,
      deliveredStored: [...copies.keys()].filter((id) => delivered.has(id)).length,
      stored: copies.size,
    };
  }

  async figures(): Promise<Figures> {
    const copies = await this.storedCopies();
    const delivered = this.acceptedEvents();
    const sent = this.load.messages;
    const acked = sent.filter((m) => m.acknowledged);
    const lost = acked.filter((m) => !copies.has(m.wamid)).map((m) => m.wamid);
    const duplicated = sent.filter((m) => (copies.get(m.wamid) ?? 0) > 1 || (delivered.get(m.wamid)?.size ?? 0) > 1).map((m) => m.wamid);
    const undelivered = [...copies.keys()].filter((id) => !delivered.has(id));
    const outOfOrder = await this.outOfOrder();
    const accepted = this.helpdesk.accepted.filter((r) => providerMessageIdOf(r) !== undefined);
    const unacknowledged = sent.filter((m) => !m.acknowledged).map((m) => m.wamid);
    return {
      sent: sent.length,
      acknowledged: acked.length,
      storedAcknowledged: acked.length - lost.length,
      deliveredStored: copies.size - undelivered.length,
      stored: copies.size,
      lost: lost.length,
      duplicated: duplicated.length,
      delivered: delivered.size,
      undelivered: undelivered.length,
      orderViolations: outOfOrder.length,
      unacknowledged: unacknowledged.length,
      redeliveries: accepted.length - new Set(accepted.map((r) => r.webhookId)).size,
      badSignatures: this.helpdesk.rejected.length,
      providerRetries: this.load.retries,
      examples: {
        lost: lost.slice(0, EXAMPLES),
        duplicated: duplicated.slice(0, EXAMPLES),
        undelivered: undelivered.slice(0, EXAMPLES),
        outOfOrder: outOfOrder.slice(0, EXAMPLES),
        unacknowledged: unacknowledged.slice(0, EXAMPLES),
      },
    };
  }

  /** Provider message id → how many inbound messages the store holds with it. */
  private async storedCopies(): Promise<Map<string, number>> {
    const messages = await this.store
      .collection<{ providerMessageId?: string }>('messages')
      .find({ direction: 'inbound' }, { projection: { providerMessageId: 1 } })
      .toArray();
    const copies = new Map<string, number>();
    for (const { providerMessageId: id } of messages) if (id) copies.set(id, (copies.get(id) ?? 0) + 1);
    return copies;
  }

  /** Provider message id → the event ids (webhook-id) under which the helpdesk accepted its `message.received`. */
  private acceptedEvents(): Map<string, Set<string>> {
    const events = new Map<string, Set<string>>();
    for (const request of this.helpdesk.accepted) {
      const id = providerMessageIdOf(request);
      if (id) events.set(id, (events.get(id) ?? new Set()).add(request.webhookId));
    }
    return events;
  }

  /**
   * Events the helpdesk first accepted after it had accepted a later one (by the delivery's
   * orderKey) of the same conversation, each as `<provider message id> (<orderKey>) after
   * <the later one's> (<its orderKey>)`.
   */
  private async outOfOrder(): Promise<string[]> {
    const deliveries = await this.store
      .collection<{ eventId: string; conversationId?: unknown; orderKey: string }>('webhook_deliveries')
      .find({}, { projection: { eventId: 1, conversationId: 1, orderKey: 1 } })
      .toArray();
    const line = new Map(deliveries.map((d) => [d.eventId, { conversation: String(d.conversationId), orderKey: d.orderKey }]));
    const latestAccepted = new Map<string, { id: string; orderKey: string }>();
    const seen = new Set<string>();
    const violations: string[] = [];
    for (const request of this.helpdesk.accepted) {
      const place = line.get(request.webhookId);
      const id = providerMessageIdOf(request);
      if (!place || !id || seen.has(request.webhookId)) continue;
      seen.add(request.webhookId);
      const latest = latestAccepted.get(place.conversation);
      if (latest && place.orderKey < latest.orderKey) violations.push(`${id} (${place.orderKey}) after ${latest.id} (${latest.orderKey})`);
      else latestAccepted.set(place.conversation, { id, orderKey: place.orderKey });
    }
    return violations;
  }
}
