import type { ChannelBody, CustomerView, MailDraft, PhoneMessage, ProviderType, SandboxView } from './view.js';

/** The sandbox's control API from another process: the CLI, the tests, a benchmark's load. */
export class SandboxClient {
  constructor(readonly url: string) {}

  state(): Promise<SandboxView> {
    return this.call('GET', '/sandbox/state');
  }

  helpdesk(): Promise<SandboxView['helpdesk']> {
    return this.call('GET', '/sandbox/helpdesk');
  }

  async customer(id: string): Promise<CustomerView> {
    const found = (await this.state()).customers.find((c) => c.id === id);
    if (!found) throw new Error(`No customer "${id}"`);
    return found;
  }

  async channels(): Promise<ChannelBody[]> {
    return (await this.call<{ channels: ChannelBody[] }>('GET', '/sandbox/accounts')).channels;
  }

  /** Tells the provider where the gateway's channel for this account takes webhooks. */
  connect(type: ProviderType, webhookUrl: string): Promise<void> {
    return this.call('PUT', `/sandbox/accounts/${type}/webhook`, { webhookUrl });
  }

  addCustomer(type: ProviderType, name: string, address?: string): Promise<CustomerView> {
    return this.call('POST', '/sandbox/customers', { type, name, address });
  }

  /** The customer types `text`; resolves once the gateway answered the provider's webhook (a mail: once it is in the business INBOX). */
  say(customerId: string, text: string, draft: MailDraft = {}): Promise<PhoneMessage> {
    return this.call('POST', `/sandbox/customers/${encodeURIComponent(customerId)}/messages`, { text, ...draft });
  }

  async read(customerId: string): Promise<number> {
    return (await this.call<{ read: number }>('POST', `/sandbox/customers/${encodeURIComponent(customerId)}/read`)).read;
  }

  /** The next business message to the customer meets this failure (one of its provider's); null clears it. */
  failNext(customerId: string, failure: string | null): Promise<CustomerView> {
    return this.call('PUT', `/sandbox/customers/${encodeURIComponent(customerId)}/next-failure`, { failure });
  }

  /** A webhook subscription's signing secret, for the helpdesk inbox to check signatures with. */
  helpdeskSecret(secret: string): Promise<void> {
    return this.call('POST', '/sandbox/helpdesk/secrets', { secret });
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path, this.url), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = res.status === 204 ? undefined : await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${(answer as { error?: string } | undefined)?.error ?? ''}`);
    return answer as T;
  }
}
