import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import type { InboundEvent } from '../src/domain/inbound-event.js';
import type { MediaKind, MessageContent, MessageType } from '../src/domain/message.js';
import type { TemplateDefinition } from '../src/domain/template.js';

/**
 * The one contract every channel adapter implements. The core knows channels only through it:
 * adding a channel is a folder under connectors/ and a line in connectors/registry.ts.
 */

/** A channel as a connector sees it: its settings and its decrypted secrets. */
export interface ChannelAccess<Settings = Record<string, unknown>, Secrets = Record<string, string>> {
  id: string;
  workspaceId: string;
  settings: Settings;
  secrets: Secrets;
}

/** An inbound HTTP request as received, before any parsing. */
export interface WebhookRequest {
  /** The public URL the provider called (signatures may cover it). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  rawBody: Buffer;
}

export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
}

/** When free-form messages may be sent and what is allowed after the window closes. */
export interface WindowRule {
  /** Hours after the contact's last inbound message during which anything may be sent. */
  hours: number;
  /** Outside the window: only an approved template. */
  outside: 'template';
}

export interface ChannelCapabilities {
  /** null: the channel has no messaging window (email). */
  window: WindowRule | null;
  /** Outbound content types the channel can send. */
  outbound: readonly MessageType[];
  /** Largest media the provider accepts or serves, per kind, in bytes. */
  mediaMaxBytes: Readonly<Record<MediaKind, number>>;
  /** Default send rate per provider account, messages per second (a channel setting may override). */
  sendPerSecond: number;
  /** How templates are addressed, if the channel has them. */
  templates: 'name-language' | 'content-sid' | null;
}

/** What the core asks a connector to send. Media is resolved to something the provider can take. */
export interface OutboundSend {
  /** The contact's external id on this channel. */
  to: string;
  content: MessageContent;
  replyToProviderMessageId?: string;
  /** Bytes of media held in our store, for connectors that must upload rather than link. */
  loadStoredMedia: (storedId: string) => Promise<{ data: Buffer; mimeType: string; filename?: string }>;
}

export interface SendResult {
  providerMessageId: string;
}

export interface FetchedMedia {
  data: Buffer;
  mimeType: string;
}

/** Shared tools a connector may use; injected so tests point them at stand-ins. */
export interface ConnectorDeps {
  http: AxiosInstance;
}

export interface Connector<Settings = Record<string, unknown>, Secrets = Record<string, string>> {
  readonly type: string;
  readonly capabilities: ChannelCapabilities;
  /** Validates a channel's settings and secrets when the channel is created. */
  readonly settingsSchema: z.ZodType<Settings>;
  readonly secretsSchema: z.ZodType<Secrets>;
  /** The provider-side account id of a channel (events are routed by it). */
  accountIdOf(channel: ChannelAccess<Settings, Secrets>): string;
  /**
   * Other provider-side ids whose events concern this channel too (a WhatsApp Business Account:
   * its template updates apply to each of its phone numbers).
   */
  accountAliasesOf?(channel: ChannelAccess<Settings, Secrets>): string[];
  /** Answers the provider's subscription handshake (GET), if it has one. */
  handshake?(req: WebhookRequest, channel: ChannelAccess<Settings, Secrets>): HttpReply;
  /** True when the request really comes from the provider (signature over the raw bytes). */
  verify(req: WebhookRequest, channel: ChannelAccess<Settings, Secrets>): boolean;
  /** What to answer once the event is recorded. */
  readonly ackReply: HttpReply;
  /** Raw traffic to normalized events. Throws InvalidPayloadError on a body it cannot read. */
  parse(req: Pick<WebhookRequest, 'rawBody' | 'headers'>): InboundEvent[];
  /** Sends one message; throws ProviderSendError with the provider's code on failure. */
  send(message: OutboundSend, channel: ChannelAccess<Settings, Secrets>): Promise<SendResult>;
  /** Downloads inbound media so it can be stored before the provider's copy expires. */
  fetchMedia(ref: { providerMediaId?: string; url?: string }, channel: ChannelAccess<Settings, Secrets>): Promise<FetchedMedia>;
  /** Lists the account's templates at the provider, if the provider has such a list. */
  listTemplates?(channel: ChannelAccess<Settings, Secrets>): Promise<TemplateDefinition[]>;
}

/** The provider's body cannot be read as its format says. */
export class InvalidPayloadError extends Error {
  constructor(message: string, readonly details?: unknown) {
    super(message);
    this.name = 'InvalidPayloadError';
  }
}

/**
 * What outcome a provider's error code means for us. Decisions are made on the code,
 * never on the title text.
 */
export type SendFailureOutcome =
  /** Worth trying again later (throughput, pair rate limit, provider outage). */
  | 'retry'
  /** Will not succeed as is. */
  | 'final'
  /** The messaging window closed: only a template (or tag) may be sent. */
  | 'window_closed';

export class ProviderSendError extends Error {
  constructor(
    readonly code: string,
    readonly title: string,
    readonly outcome: SendFailureOutcome,
    readonly retryAfterMs?: number,
  ) {
    super(`${code}: ${title}`);
    this.name = 'ProviderSendError';
  }
}
