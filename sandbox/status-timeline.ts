import type { Phones } from './phones.js';
import type { ProviderSimulator, ReportedStatus } from './providers/provider.js';
import type { CustomerView, FailurePreset, PhoneMessage, StatusStep } from './view.js';

/**
 * What happens to a business message after the provider's API took it: a step later it is sent,
 * another step later it is on the customer's phone (delivered), and it is read when the
 * customer reads. A failure on demand ends it on the way instead. Each step is shown on the phone
 * at once and reported to the gateway in the provider's callback.
 */
export class StatusTimeline {
  private stopped = false;

  constructor(
    private readonly phones: Phones,
    private readonly stepMs: number,
  ) {}

  follow(provider: ProviderSimulator, customer: CustomerView, message: PhoneMessage, failure?: FailurePreset): void {
    void this.run(provider, customer, message, failure);
  }

  /** The customer reads everything delivered to the phone; returns how many messages that was. */
  async read(provider: ProviderSimulator, customer: CustomerView): Promise<number> {
    const unread = customer.messages.filter((m) => m.from === 'business' && m.status === 'delivered');
    if (unread.length === 0) return 0;
    const steps = unread.map((m) => this.advance(m, 'read'));
    const answer = await provider.reportRead(customer, unread);
    for (const step of steps) this.phones.update(step, (s) => (s.gateway = answer));
    return unread.length;
  }

  /** Messages still on their way report nothing more (the sandbox is closing). */
  stop(): void {
    this.stopped = true;
  }

  private async run(provider: ProviderSimulator, customer: CustomerView, message: PhoneMessage, failure?: FailurePreset): Promise<void> {
    await this.pause();
    if (failure?.stage === 'delivery') {
      this.phones.update(message, (m) => (m.error = { code: failure.code, title: failure.title }));
      await this.step(provider, customer, message, 'failed', failure);
      return;
    }
    if (provider.acceptedAs === 'accepted') {
      await this.step(provider, customer, message, 'sent');
      await this.pause();
    }
    await this.step(provider, customer, message, 'delivered');
  }

  private async step(provider: ProviderSimulator, customer: CustomerView, message: PhoneMessage, status: ReportedStatus, failure?: FailurePreset): Promise<void> {
    if (this.stopped) return;
    const step = this.advance(message, status);
    const answer = await provider.report(customer, message, status, failure);
    this.phones.update(step, (s) => (s.gateway = answer));
  }

  private advance(message: PhoneMessage, status: ReportedStatus): StatusStep {
    const step: StatusStep = { status, at: new Date().toISOString() };
    this.phones.advance(message, step);
    return step;
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.stepMs));
  }
}
