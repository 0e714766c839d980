import type { z } from 'zod';
import type { InboundEvent } from '../src/domain/inbound-event.js';
import type { EmailThreadHeaders, MessageContent, SendFailureOutcome } from '../src/domain/message.js';
import type { ChannelCapabilities, MessageTag, WindowRule } from '../src/domain/channel.js';
import type { TemplateDefinition } from '../src/domain/template.js';

/**
 * The one contract every channel adapter implements. The core knows channels only through it
 * (Connector); a connector writes its ConnectorDefinition and hands it to defineConnector:
 * adding a channel is a folder under connectors/ and a line in connectors/registry.ts.
 */

/** A channel as a connector sees it: its settings and its decrypted secrets. */
export interface ChannelAccess<Settings = Record<string, unknown>, Secrets = Record<string, string>> {
  id: string;
  workspaceId: string;
  /** The public URL of this channel's webhook (status callbacks are pointed at it). */
  webhookUrl: string;
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

/** What the core asks a connector to send. Media is resolved to something the provider can take. */
export interface OutboundSend {
  /** The contact's external id on this channel. */
  to: string;
  content: MessageContent;
  replyToProviderMessageId?: string;
  /** The registered definition of a template being sent (Twilio addresses it by ContentSid). */
  template?: TemplateDefinition;
  /** A message tag the policy point allowed (Messenger, outside the standard window). */
  tag?: MessageTag;
  /**
   * Thread-scoped channels (email): where the message goes. The connector builds its own
   * unique id from conversationId and messageId (and returns it as providerMessageId).
   */
  thread?: {
    conversationId: string;
    messageId: string;
    subject: string;
    /** The message this one answers, and the References chain before it. */
    inReplyTo?: EmailThreadHeaders;
  };
  /** Bytes of media held in our store, for connectors that must upload rather than link. */
  loadStoredMedia: (storedId: string) => Promise<{ data: Buffer; mimeType: string; filename?: string }>;
}

/** What the core gives a pull-based connector. */
export interface PullSink {
  /** Records raw traffic exactly as fetched (idempotent on the bytes); resolves once durable. */
  record(raw: Buffer, contentType: string): Promise<void>;
  /** The connector's position (e.g. IMAP UIDVALIDITY and last UID), persisted by the core. */
  loadCursor(): Promise<Record<string, unknown> | null>;
  saveCursor(cursor: Record<string, unknown>): Promise<void>;
  /** active, or error with the reason (wrong password, unreachable server); shown to users. */
  reportState(state: 'active' | 'error', reason?: string): Promise<void>;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export interface PullHandle {
  /** Stops fetching; resolves once the connection is closed. */
  stop(): Promise<void>;
}

/** Who is to control a contact's thread on a channel several apps share (Messenger's handover protocol). */
export interface ThreadControlMove {
  to: 'people' | 'ai_agent';
  /** The contact's id on the channel (a PSID). */
  recipient: string;
  /** Passed on to the other app (why the thread moves). */
  metadata?: string;
}

export interface SendResult {
  providerMessageId: string;
}

export interface FetchedMedia {
  data: Buffer;
  mimeType: string;
}

/**
 * The contract over the settings and secrets a connector's channels hold. `ClientArg` is what
 * each operation on a channel takes after its other arguments: the connector's client in a
 * ConnectorDefinition, nothing in the Connector the core holds.
 */
interface ConnectorShape<Settings, Secrets, ClientArg extends unknown[]> {
  readonly type: string;
  readonly capabilities: ChannelCapabilities;
  /** Validates a channel's settings and secrets when the channel is created. */
  readonly settingsSchema: z.ZodType<Settings>;
  readonly secretsSchema: z.ZodType<Secrets>;
  /** The provider-side account id of a channel (events are routed by it). */
  accountIdOf: (channel: ChannelAccess<Settings, Secrets>, ...client: ClientArg) => string;
  /**
   * Other provider-side ids whose events concern this channel too (a WhatsApp Business Account:
   * its template updates apply to each of its phone numbers).
   */
  accountAliasesOf?: (channel: ChannelAccess<Settings, Secrets>, ...client: ClientArg) => string[];
  /** Answers the provider's subscription handshake (GET), if it has one. */
  handshake?: (req: WebhookRequest, channel: ChannelAccess<Settings, Secrets>, ...client: ClientArg) => HttpReply;
  /**
   * True when the request really comes from the provider (signature over the raw bytes).
   * `receivedAt`, the gateway's time of the request, dates credentials that expire (web chat tokens).
   */
  verify: (req: WebhookRequest & { receivedAt?: Date }, channel: ChannelAccess<Settings, Secrets>, ...client: ClientArg) => boolean;
  /** What to answer once the event is recorded. */
  readonly ackReply: HttpReply;
  /**
   * The window rule for one channel, where a setting changes it (Messenger's HUMAN_AGENT needs
   * app approval); otherwise capabilities.window applies.
   */
  windowRuleOf?: (channel: Pick<ChannelAccess<Settings, Secrets>, 'settings'>, ...client: ClientArg) => WindowRule | null;
  /** Why `to` cannot be the recipient of a conversation the business starts, or null (unchecked: any id the provider takes). */
  recipientProblem?: (to: string) => string | null;
  /**
   * Raw traffic to normalized events. Throws InvalidPayloadError on a body it cannot read.
   * `receivedAt` stamps events of providers whose payloads carry no time (Twilio).
   */
  parse: (req: Pick<WebhookRequest, 'rawBody' | 'headers'> & { receivedAt: Date }) => InboundEvent[] | Promise<InboundEvent[]>;
  /**
   * Pull-based channels (IMAP): keeps fetching new traffic until stopped. Everything fetched is
   * handed to sink.record, which returns once it is durably recorded; only then may the
   * connector move its cursor past it.
   */
  startPulling?: (channel: ChannelAccess<Settings, Secrets>, sink: PullSink, ...client: ClientArg) => PullHandle;
  /** Sends one message; throws ProviderSendError with the provider's code on failure. */
  send: (message: OutboundSend, channel: ChannelAccess<Settings, Secrets>, ...client: ClientArg) => Promise<SendResult>;
  /** Downloads inbound media so it can be stored before the provider's copy expires. */
  fetchMedia: (ref: { providerMediaId?: string; url?: string }, channel: ChannelAccess<Settings, Secrets>, ...client: ClientArg) => Promise<FetchedMedia>;
  /** Lists the account's templates at the provider, if the provider has such a list. */
  listTemplates?: (channel: ChannelAccess<Settings, Secrets>, ...client: ClientArg) => Promise<TemplateDefinition[]>;
  /** Submits a new template for the provider's review; its verdict arrives later as a status event. */
  submitTemplate?: (
    template: Pick<TemplateDefinition, 'name' | 'language' | 'category' | 'components'>,
    channel: ChannelAccess<Settings, Secrets>,
    ...client: ClientArg
  ) => Promise<{ providerTemplateId: string; status: TemplateDefinition['status'] }>;
  /** Deletes a template at the provider. */
  deleteTemplate?: (template: { name: string; providerTemplateId?: string }, channel: ChannelAccess<Settings, Secrets>, ...client: ClientArg) => Promise<void>;
  /**
   * Moves control of a contact's thread between the gateway's AI agent and the app people answer
   * in, where the channel names one; does nothing where it does not.
   */
  moveThreadControl?: (move: ThreadControlMove, channel: ChannelAccess<Settings, Secrets>, ...client: ClientArg) => Promise<void>;
}

/** A connector as the core holds it: every channel's settings and secrets are plain records to it. */
export type Connector = ConnectorShape<Record<string, unknown>, Record<string, string>, []>;

/**
 * What a connector writes, typed by its own schemas, with its client: what its calls to the
 * provider share, made once (an HTTP client, the Graph version). Its modules' functions take
 * the contract's arguments and then the client, so a definition lists them as they are.
 */
export interface ConnectorDefinition<Settings, Secrets, Client> extends ConnectorShape<Settings, Secrets, [client: Client]> {
  readonly client: Client;
}

/**
 * The Connector the core holds, each operation given the definition's client. The one narrowing
 * of the contract happens here: the core hands a connector only its own channels, whose settings
 * and secrets its schemas validated when they were set, so they are of the connector's types.
 */
export function defineConnector<Settings extends Record<string, unknown>, Secrets extends Record<string, string>, Client>(
  definition: ConnectorDefinition<Settings, Secrets, Client>,
): Connector {
  const { client, accountIdOf, accountAliasesOf, handshake, verify, windowRuleOf, startPulling, send, fetchMedia, listTemplates, submitTemplate, deleteTemplate, moveThreadControl } =
    definition;
  // That narrowing; over a Pick, since windowRuleOf is given the settings alone.
  const own = <K extends keyof ChannelAccess>(channel: Pick<ChannelAccess, K>) => channel as Pick<ChannelAccess<Settings, Secrets>, K>;
  return {
    type: definition.type,
    capabilities: definition.capabilities,
    settingsSchema: definition.settingsSchema,
    secretsSchema: definition.secretsSchema,
    ackReply: definition.ackReply,
    recipientProblem: definition.recipientProblem,
    parse: definition.parse,
    accountIdOf: (channel) => accountIdOf(own(channel), client),
    accountAliasesOf: accountAliasesOf && ((channel) => accountAliasesOf(own(channel), client)),
    handshake: handshake && ((req, channel) => handshake(req, own(channel), client)),
    verify: (req, channel) => verify(req, own(channel), client),
    windowRuleOf: windowRuleOf && ((channel) => windowRuleOf(own(channel), client)),
    startPulling: startPulling && ((channel, sink) => startPulling(own(channel), sink, client)),
    send: (message, channel) => send(message, own(channel), client),
    fetchMedia: (ref, channel) => fetchMedia(ref, own(channel), client),
    listTemplates: listTemplates && ((channel) => listTemplates(own(channel), client)),
    submitTemplate: submitTemplate && ((template, channel) => submitTemplate(template, own(channel), client)),
    deleteTemplate: deleteTemplate && ((template, channel) => deleteTemplate(template, own(channel), client)),
    moveThreadControl: moveThreadControl && ((move, channel) => moveThreadControl(move, own(channel), client)),
  };
}

/** The provider's body cannot be read as its format says. */
export class InvalidPayloadError extends Error {
  constructor(message: string, readonly details?: unknown) {
    super(message);
    this.name = 'InvalidPayloadError';
  }
}

export type { SendFailureOutcome };

/**
 * A provider call other than a send failed (a media download, a template listing), with what
 * its code means for us. Connectors build it from their own error shapes.
 */
export class ProviderRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly outcome: SendFailureOutcome,
  ) {
    super(message);
    this.name = 'ProviderRequestError';
  }
}

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
