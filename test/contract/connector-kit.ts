import type nock from 'nock';
import type { MessageType, SendFailureOutcome } from '../../src/domain/message.js';

/**
 * What a connector brings to the contract suite (connector-contract.ts): how to make its
 * channels, its provider's traffic and its provider's API answers. The suite runs the same
 * cases with it against a whole gateway; a new connector writes a kit and gets them all.
 */

/** A delivery status a provider reports on a message we sent. */
export type ReportedStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** Everything the suite names when it asks the kit for an inbound request. */
export interface InboundContext {
  /** The channel's provider-side account (as POST /v1/channels answered: phone number id, sender, page id). */
  accountId: string;
  /** The sender: a fresh id made by `kit.contact()`. */
  contact: string;
  /** Unique per request: the kit makes the provider's message id from it. */
  id: string;
  /** When the contact wrote (providers without a time in their payloads are stamped on receipt). */
  at: Date;
}

export interface InboundCase {
  /** What the stored message's `type` (and `content.type`) must be. */
  type: MessageType;
  /** Names the case where a type has several (e.g. button and list replies). */
  name?: string;
  /** The provider's request body for a message of this type from `ctx.contact`. */
  body(ctx: InboundContext): Buffer;
  /** Matched (toMatchObject) against the stored content. */
  expect?: object;
}

export interface StatusContext {
  accountId: string;
  contact: string;
  /** The id the provider gave the message when it was sent. */
  providerMessageId: string;
  status: ReportedStatus;
  /** When it happened; providers that report by watermark (Messenger) use it as the watermark. */
  at: Date;
}

/** Where a stand-in for the provider's send API must answer. */
export interface SendTarget {
  accountId: string;
  /** The contact's id as the channel knows it: the stub must only answer sends to it. */
  to: string;
}

export interface ConnectorKit {
  /** The connector's type in connectors/registry.ts. */
  type: string;
  /** Settings and secrets for POST /v1/channels; a different provider account on every call. */
  channel(): { settings: Record<string, unknown>; secrets: Record<string, string> };
  /** A contact id never used before, written as the channel writes it (and stores it as the external id). */
  contact(): string;
  /** Content-Type of the provider's webhook requests. */
  contentType: string;
  /** Headers that make a request authentic for a channel with these secrets. `url`: the channel's public webhook URL. */
  sign(req: { url: string; body: Buffer; contentType: string }, secrets: Record<string, string>): Record<string, string>;
  /**
   * One case per message type the channel receives. The first one also opens the conversations
   * of the other cases, so it must be an ordinary message that opens the window (a text).
   */
  inbound: InboundCase[];
  /**
   * The provider's report of a status for a message sent to `ctx.contact`, or null if the provider
   * never reports that status (Messenger reports only delivery and read, as watermarks).
   */
  status(ctx: StatusContext): Buffer | null;
  /** Stand-ins for the provider's send API, set up with nock. */
  sendStub: {
    /** Accepts one send to `to` and answers with `providerMessageId`. */
    success(target: SendTarget & { providerMessageId: string }): nock.Scope;
    /** Refuses every send to `to` (persistently) with an error the connector must map to `kind`. */
    failure(target: SendTarget, kind: SendFailureOutcome): nock.Scope;
  };
  /** A free-form body for POST /v1/conversations/:id/messages that the sendStub answers. */
  freeForm: object;
  /** The channel's messaging window, and the API's refusal code for a free-form send after it. */
  outsideWindow: { hours: number; refusedCode: string };
}
