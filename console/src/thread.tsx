import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import { Composer } from './composer.js';
import { ConversationActions } from './conversation-actions.js';
import { contactName, nameOf, type ContactCache, type Directory } from './directory.js';
import { STATUS_LABELS } from './format.js';
import { MessageView } from './message-view.js';
import type { Contact, ConversationDetail, Me, Message, Page } from './types.js';

/**
 * The open conversation: its actions, its history oldest first (older pages on demand), and the
 * reply box. Every live event of the conversation reloads it, so messages and receipts show in
 * the gateway's order.
 */
export function Thread(props: {
  conversationId: string;
  /** The conversation as last read (undefined while the first read runs), the read's error, and reading it again. */
  conversation: ConversationDetail | undefined;
  error: Error | undefined;
  reload(): void;
  me: Me;
  directory: Directory | undefined;
  contacts: ContactCache;
  typingName: string | null;
  onTyping(): void;
  onChanged(): void;
  onClosed(): void;
}) {
  const { conversationId, directory } = props;
  const [older, setOlder] = useState<{ messages: Message[]; cursor: string | null } | null>(null);
  const [contact, setContact] = useState<Contact | undefined>();
  const [olderError, setOlderError] = useState<string | null>(null);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const end = useRef<HTMLDivElement>(null);
  const { conversation, reload } = props;

  useEffect(() => {
    if (conversation) props.contacts.get(conversation.contactId).then(setContact, () => undefined);
  }, [conversation?.contactId]);

  // Opening a conversation with unread messages reads them.
  useEffect(() => {
    if (conversation && conversation.unreadCount > 0) void api('POST', `/v1/conversations/${conversationId}/read`).then(props.onChanged, () => undefined);
  }, [conversation?.unreadCount]);

  // The reply box changes when the window closes: the conversation is read again then.
  useEffect(() => {
    const at = conversation?.reply?.windowExpiresAt;
    const wait = at ? Date.parse(at) - Date.now() : -1;
    if (wait <= 0 || wait > 86_400_000) return;
    const timer = setTimeout(reload, wait + 1000);
    return () => clearTimeout(timer);
  }, [conversation?.reply?.windowExpiresAt]);

  const latest = conversation ? [...conversation.messages.data].reverse() : [];
  const messages = [...(older?.messages ?? []), ...latest];
  useEffect(() => end.current?.scrollIntoView({ block: 'end' }), [messages.length, messages.at(-1)?.status]);

  async function loadOlder() {
    const cursor = older ? older.cursor : conversation?.messages.nextCursor;
    if (!cursor) return;
    setOlderError(null);
    try {
      const page = await api<Page<Message>>('GET', `/v1/conversations/${conversationId}/messages?limit=50&cursor=${cursor}`);
      setOlder({ messages: [...page.data].reverse().concat(older?.messages ?? []), cursor: page.nextCursor });
    } catch (err) {
      setOlderError((err as Error).message);
    }
  }

  if (!conversation) {
    return (
      <section class="thread" aria-label="Conversation">
        {props.error ? (
          <p role="alert" class="error">
            Could not open the conversation: {props.error.message}{' '}
            <button type="button" onClick={reload}>
              Retry
            </button>
          </p>
        ) : (
          <p class="muted">Loading…</p>
        )}
      </section>
    );
  }

  const byProviderId = new Map(messages.filter((m) => m.providerMessageId).map((m) => [m.providerMessageId!, m]));
  const reactions = new Map<string, string[]>();
  for (const m of messages) {
    if (m.content.type === 'reaction' && m.content.emoji) reactions.set(m.content.targetProviderMessageId, [...(reactions.get(m.content.targetProviderMessageId) ?? []), m.content.emoji]);
  }
  const hasOlder = older ? older.cursor !== null : conversation.messages.nextCursor !== null;
  const name = contactName(contact);

  return (
    <section class="thread" aria-label={`Conversation with ${name}`}>
      <header class="thread-head">
        <button type="button" class="back" onClick={props.onClosed} aria-label="Back to the list">
          ←
        </button>
        <div>
          <h2>{name}</h2>
          <p class="muted">
            {nameOf(directory?.channels, conversation.channelId, 'channel')} · <span class={`status status-${conversation.status}`}>{STATUS_LABELS[conversation.status]}</span>
            {conversation.assigneeId && <> · {nameOf(directory?.agents, conversation.assigneeId, 'an agent')}</>}
            {conversation.queuePosition !== null && <> · #{conversation.queuePosition} in the queue</>}
            {conversation.archived && <> · archived</>}
            {conversation.ticket?.reference && <> · ticket {conversation.ticket.reference}</>}
          </p>
        </div>
      </header>
      <ConversationActions conversation={conversation} me={props.me} directory={directory} onChanged={() => (reload(), props.onChanged())} onDeleted={() => (props.onChanged(), props.onClosed())} />
      <ol class="messages" aria-label="Messages" aria-live="polite">
        {hasOlder && (
          <li class="older">
            <button type="button" onClick={() => void loadOlder()}>
              Load older messages
            </button>
            {olderError && <span class="error">{olderError}</span>}
          </li>
        )}
        {messages
          .filter((m) => m.content.type !== 'reaction')
          .map((m) => (
            <MessageView
              key={m.id}
              message={m}
              repliedTo={m.replyToProviderMessageId ? byProviderId.get(m.replyToProviderMessageId) : undefined}
              reactions={m.providerMessageId ? (reactions.get(m.providerMessageId) ?? []) : []}
              authorName={m.author === 'automation' ? 'Automation' : 'Agent'}
              onReply={!m.internal && m.providerMessageId ? () => setReplyTo(m) : undefined}
            />
          ))}
      </ol>
      <div ref={end} />
      {props.typingName && (
        <p class="typing" role="status">
          {props.typingName} is typing…
        </p>
      )}
      <Composer conversation={conversation} replyTo={replyTo} onCancelReply={() => setReplyTo(null)} onSent={() => (setReplyTo(null), reload())} onTyping={props.onTyping} />
    </section>
  );
}
