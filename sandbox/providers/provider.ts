import type { CustomerView, FailurePreset, GatewayAnswer, MailDraft, PhoneMessage, PhoneStatus, ProviderType } from '../view.js';

/** A status a provider reports to the gateway after its API accepted a message. */
export type ReportedStatus = Exclude<PhoneStatus, 'accepted'>;

/**
 * One provider the sandbox plays. Its API (mounted by the server) takes the gateway's sends; these
 * are the moments it calls the gateway back, each in the provider's own webhook format and signature.
 */
export interface ProviderSimulator {
  readonly type: ProviderType;
  readonly label: string;
  readonly accountId: string;
  readonly failures: readonly FailurePreset[];
  /** What the gateway calls a message this provider's API took: `accepted`, or `sent` where no later `sent` comes. */
  readonly acceptedAs: 'accepted' | 'sent';
  /** The customer typed `text`: it reaches the gateway as the provider's inbound webhook (email: a mail in the business INBOX). */
  customerWrites(customer: CustomerView, text: string, draft?: MailDraft): Promise<PhoneMessage>;
  /** A business message moved on (`failed` with the failure that befell it). */
  report(customer: CustomerView, message: PhoneMessage, status: ReportedStatus, failure?: FailurePreset): Promise<GatewayAnswer>;
  /** The customer read these messages: per message, or as one watermark (Messenger). */
  reportRead(customer: CustomerView, messages: PhoneMessage[]): Promise<GatewayAnswer>;
}

export function failureById(provider: Pick<ProviderSimulator, 'failures'>, id: string | null): FailurePreset | undefined {
  return id === null ? undefined : provider.failures.find((f) => f.id === id);
}
