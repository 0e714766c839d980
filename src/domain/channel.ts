import type { MediaKind, MessageType } from './message.js';

/** What a channel is and allows, as its connector declares it (connectors/<name>/capabilities.ts). */

/** Messenger's message tags: what may be sent outside the standard window. */
export const MESSAGE_TAGS = ['HUMAN_AGENT', 'ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE'] as const;
export type MessageTag = (typeof MESSAGE_TAGS)[number];

/** When free-form messages may be sent and what is allowed after the window closes. */
export type WindowRule =
  | {
      /** Hours after the contact's last inbound message during which anything may be sent. */
      hours: number;
      /** Outside the window: only an approved template. */
      outside: 'template';
    }
  | {
      hours: number;
      /** Outside the window: only a message carrying one of these tags. */
      outside: 'tag';
      tags: readonly MessageTag[];
      /** HUMAN_AGENT: a human's reply within this many hours of the contact's last message. */
      humanAgentHours: number;
    };

export interface ChannelCapabilities {
  /** null: the channel has no messaging window (email). */
  window: WindowRule | null;
  /** Outbound content types the channel can send. */
  outbound: readonly MessageType[];
  /** Largest media the provider accepts or serves, per kind, in bytes. */
  mediaMaxBytes: Readonly<Record<MediaKind, number>>;
  /** Default send rate per provider account, messages per second (a channel setting may override). */
  sendPerSecond: number;
  /** Lower rates for some content types, per account (Messenger: audio and video). */
  sendPerSecondByType?: Partial<Record<MessageType, number>>;
  /** How templates are addressed, if the channel has them. */
  templates: 'name-language' | 'content-sid' | null;
  /**
   * contact: one open conversation per (channel, contact) (chat channels).
   * thread: a conversation per thread, found by the thread headers (email).
   */
  conversations: 'contact' | 'thread';
  /**
   * The provider reports `sent` by a status callback after its API accepted the message
   * (WhatsApp); otherwise the acceptance is the send (Messenger's Send API, an SMTP relay).
   */
  reportsSent: boolean;
  /**
   * The gateway itself is the provider (web chat): the channel's traffic comes only through the
   * gateway's own API, which checks what a provider's webhook cannot, never through a webhook URL.
   */
  gatewayIsProvider?: true;
}

/** Whether a channel works: `error` when a pulled mailbox cannot be reached (with the reason), `disabled` when turned off. */
export const CHANNEL_STATES = ['active', 'disabled', 'error'] as const;
export type ChannelState = (typeof CHANNEL_STATES)[number];
