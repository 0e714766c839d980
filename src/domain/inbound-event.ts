import type { DeliveryStatus } from './delivery-status.js';
import type { EmailThreadHeaders, MessageContent, ProviderErrorInfo } from './message.js';
import type { TemplateStatus } from './template.js';

/** Who wrote to us, as the channel identifies them. The external id is the only key. */
export interface ContactIdentity {
  /** The channel's stable id for the person: WhatsApp wa_id or business-scoped id, PSID, address. */
  externalId: string;
  phone?: string;
  displayName?: string;
  username?: string;
  /**
   * The person's id beside externalId where the channel has two (WhatsApp's business-scoped user
   * id, `US.1349…`, next to the wa_id): an externalId seen for the first time joins the contact
   * of an identity with the same user id.
   */
  userId?: string;
}

/**
 * What a connector makes of raw provider traffic. `accountId` is the provider-side account the
 * event belongs to (WhatsApp phone_number_id, Messenger page id): the core routes by it, since one
 * provider webhook can carry events of several accounts.
 */
export type InboundEvent =
  | {
      kind: 'message';
      accountId: string;
      providerMessageId: string;
      from: ContactIdentity;
      /** The provider's time of the message, not ours. */
      timestamp: Date;
      content: MessageContent;
      replyToProviderMessageId?: string;
      /** Click-to-chat ad referral, kept as the provider sent it. */
      referral?: Record<string, unknown>;
      /**
       * Who the sender is from now on (WhatsApp: the customer changed their number): this identity
       * joins the sender's contact, and the one in `from` is retired as of `timestamp`.
       */
      newIdentity?: ContactIdentity;
      /** Email: the headers that place the message in a thread. */
      thread?: EmailThreadHeaders;
      /** Received while another app controlled the conversation (Messenger standby): history only. */
      standby?: boolean;
      /**
       * Bytes delivered inside the message itself (email attachments), for mediaOf(content)[index].
       * The core stores them at ingest; they are never part of the stored message.
       */
      inlineMedia?: { index: number; data: Buffer; mimeType: string }[];
    }
  | {
      kind: 'status';
      accountId: string;
      providerMessageId: string;
      status: Exclude<DeliveryStatus, 'queued'>;
      timestamp: Date;
      recipientId?: string;
      error?: ProviderErrorInfo;
      pricing?: Record<string, unknown>;
    }
  | {
      kind: 'template_status';
      accountId: string;
      name: string;
      language: string;
      status: TemplateStatus;
      providerTemplateId?: string;
      reason?: string;
    }
  /**
   * A message the business sent from elsewhere (Messenger echoes: another tool, the Page inbox).
   * Stored as outbound and never sent again.
   */
  | {
      kind: 'echo';
      accountId: string;
      providerMessageId: string;
      to: ContactIdentity;
      timestamp: Date;
      content: MessageContent;
      replyToProviderMessageId?: string;
      /** Sent by the app that controlled the conversation then (Messenger standby): history only. */
      standby?: boolean;
    }
  /**
   * Everything sent to the contact up to `watermark` is delivered (or read); Messenger reports
   * delivery and reads this way, optionally naming some message ids too.
   */
  | {
      kind: 'watermark';
      accountId: string;
      contactExternalId: string;
      status: 'delivered' | 'read';
      watermark: Date;
      providerMessageIds?: string[];
    }
  /** Account-level errors the provider reports outside any message. */
  | { kind: 'provider_error'; accountId: string; errors: ProviderErrorInfo[] };

/** A recorded provider request: waiting for its inbound job, processed, or failed for good. */
export const RAW_EVENT_STATES = ['received', 'processed', 'failed'] as const;
export type RawEventState = (typeof RAW_EVENT_STATES)[number];
