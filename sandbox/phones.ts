import type { Changes } from './changes.js';
import type { CustomerView, PhoneMessage, ProviderType, StatusStep } from './view.js';

/** A phone keeps its latest messages only: the sandbox may run for days under load. */
const MESSAGES_KEPT = 200;

/**
 * The simulated customers and what their phones (or Messenger apps) show. Everything that
 * changes goes through here, so the page and the CLI's watchers are told when to look again.
 */
export class Phones {
  private readonly customers = new Map<string, CustomerView>();
  /** Business messages by provider id, for status changes. */
  private readonly sent = new Map<string, { customer: CustomerView; message: PhoneMessage }>();

  constructor(private readonly changes: Changes) {}

  add(type: ProviderType, name: string, address: string): CustomerView {
    const base = name.toLowerCase().split(/\s+/)[0]!.replace(/[^a-z0-9]/g, '') || 'customer';
    let id = base;
    for (let n = 2; this.customers.has(id); n++) id = `${base}-${n}`;
    const customer: CustomerView = { id, type, name, address, nextFailure: null, messages: [] };
    this.customers.set(id, customer);
    this.changed();
    return customer;
  }

  get(id: string): CustomerView | undefined {
    return this.customers.get(id);
  }

  find(type: ProviderType, address: string): CustomerView | undefined {
    return [...this.customers.values()].find((c) => c.type === type && c.address === address);
  }

  /** The business may write to someone the sandbox has not met (a conversation it starts): a new phone appears. */
  findOrAdd(type: ProviderType, address: string): CustomerView {
    return this.find(type, address) ?? this.add(type, address, address);
  }

  list(): CustomerView[] {
    return [...this.customers.values()];
  }

  record(customer: CustomerView, message: PhoneMessage): PhoneMessage {
    customer.messages.push(message);
    for (const dropped of customer.messages.splice(0, Math.max(0, customer.messages.length - MESSAGES_KEPT))) this.sent.delete(dropped.id);
    if (message.from === 'business') this.sent.set(message.id, { customer, message });
    this.changed();
    return message;
  }

  businessMessage(id: string): { customer: CustomerView; message: PhoneMessage } | undefined {
    return this.sent.get(id);
  }

  /** Applies a change to a message (or customer) and tells the watchers. */
  update<T>(target: T, change: (target: T) => void): void {
    change(target);
    this.changed();
  }

  advance(message: PhoneMessage, step: StatusStep): void {
    this.update(message, (m) => {
      m.status = step.status;
      (m.steps ??= []).push(step);
    });
  }

  /** The customer's pending failure, used up by the message that meets it. */
  takeFailure(customer: CustomerView): string | null {
    const failure = customer.nextFailure;
    if (failure) this.update(customer, (c) => (c.nextFailure = null));
    return failure;
  }

  private changed(): void {
    this.changes.notify();
  }
}
