/**
 * What the sandbox shows of itself: the shapes its control API answers with, read alike by the
 * web page, the CLI and the tests. Types only, so the browser page can import them too.
 */

/** The providers the sandbox plays, by the gateway's channel type. */
export type ProviderType = 'whatsapp-cloud' | 'whatsapp-twilio' | 'messenger' | 'email';

/** Where a business message is, as the provider reports it to the gateway. */
export type PhoneStatus = 'accepted' | 'sent' | 'delivered' | 'read' | 'failed';

/**
 * A failure the provider produces on demand, for the next business message to one customer (only
 * its first attempt: a retry goes through): refused by the API, or reported after acceptance.
 */
export interface FailurePreset {
  id: string;
  label: string;
  /** api: the send request is answered with an error; delivery: accepted, then a failed status. */
  stage: 'api' | 'delivery';
  /** The provider's own error code, as the gateway records it. */
  code: string;
  title: string;
}

/** How the gateway answered a request the sandbox posted to it. */
export interface GatewayAnswer {
  status?: number;
  /** No answer at all (connection refused, timeout). */
  error?: string;
}

export interface StatusStep {
  status: PhoneStatus;
  at: string;
  /** How the gateway took the callback that reported it (not set for `accepted`, answered in the API call). */
  gateway?: GatewayAnswer;
}

export interface PhoneMessage {
  /** The provider's message id (wamid, SM sid, mid). */
  id: string;
  from: 'customer' | 'business';
  at: string;
  /** What the phone displays. */
  text: string;
  /** The request as it went over the wire: the gateway's send, or the webhook the customer's message became. */
  wire: unknown;
  /** Customer messages: how the gateway took the webhook. */
  gateway?: GatewayAnswer;
  /** Business messages: the latest status and every step. */
  status?: PhoneStatus;
  steps?: StatusStep[];
  error?: { code: string; title: string };
  /** Mail only: the headers its mailbox threads it by. */
  mail?: MailHeaders;
  /** Customer mail: when the gateway's mailbox watcher fetched it from the business INBOX. */
  fetchedAt?: string;
}

/** A mail's addresses and threading headers; ids without their angle brackets. */
export interface MailHeaders {
  subject: string;
  from: string;
  to: string;
  messageId: string;
  inReplyTo?: string;
  references: string[];
  /** The Message-ID of the thread's first mail: a mailbox shows mails with the same one together. */
  thread: string;
}

/**
 * What a mail adds to the text: a subject starts a new thread, `inReplyTo` (a Message-ID in the
 * customer's mailbox) answers in its thread; with neither, the customer answers their latest mail.
 */
export interface MailDraft {
  subject?: string;
  inReplyTo?: string;
}

/** The business mailbox the gateway's email channel is connected to. */
export interface MailboxView {
  address: string;
  /** host:port of its IMAP server and of the SMTP server the business sends through. */
  imap: string;
  smtp: string;
  folders: Array<{ name: string; messages: number }>;
  /** IMAP sessions watching the INBOX: the gateway's mailbox watcher, once connected. */
  watchers: number;
}

export interface CustomerView {
  id: string;
  type: ProviderType;
  name: string;
  /** The customer's address on the provider: WhatsApp number, Page-scoped id, email address. */
  address: string;
  /** The failure the next business message to this customer meets, if any. */
  nextFailure: string | null;
  messages: PhoneMessage[];
}

export interface AccountView {
  type: ProviderType;
  label: string;
  /** The provider account the gateway's channel names (phone number id, sender, Page id). */
  accountId: string;
  /** The gateway's webhook URL for this account, once connected (email has none: the gateway watches the mailbox). */
  webhookUrl: string | null;
  failures: FailurePreset[];
  /** Email: the business mailbox. */
  mailbox?: MailboxView;
}

export interface HelpdeskDelivery {
  webhookId: string;
  type: string;
  receivedAt: string;
  /** true: signed by a known secret; false: no known secret matches (answered 401); null: no secret known yet. */
  verified: boolean | null;
  summary: string;
  body: unknown;
}

export interface SandboxView {
  accounts: AccountView[];
  customers: CustomerView[];
  helpdesk: { url: string; secrets: number; deliveries: HelpdeskDelivery[] };
}

/** A gateway channel as `POST /v1/channels` takes it, for one of the sandbox's accounts. */
export interface ChannelBody {
  type: ProviderType;
  name: string;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  /** The channel's account id as the gateway derives it: finds an already connected channel. */
  accountId: string;
}
