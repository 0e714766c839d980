import { useEffect, useState } from 'preact/hooks';
import { api, blob } from './api.js';
import { fullTime, clock, RECEIPTS } from './format.js';
import type { Message, MessageContent } from './types.js';

type MediaRef = { storedId?: string; url?: string; mimeType?: string; state?: string };

/** Stored media fetched with the session (a plain URL cannot carry it), shown from a blob URL. */
function useMediaUrl(media: MediaRef): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!media.storedId) return;
    let objectUrl: string | null = null;
    blob(`/v1/media/${media.storedId}`).then(
      (b) => setUrl((objectUrl = URL.createObjectURL(b))),
      () => undefined,
    );
    return () => {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [media.storedId]);
  return url;
}

function Media({ kind, media, caption, filename }: { kind: string; media: MediaRef; caption?: string; filename?: string }) {
  const url = useMediaUrl(media);
  const label = filename ?? `${kind}${media.mimeType ? ` (${media.mimeType})` : ''}`;
  let body;
  if (!url) body = <span class="media-missing">{media.state === 'pending' || !media.state ? `Fetching ${kind}…` : `${kind} not available (${media.state})`}</span>;
  else if (kind === 'image' || kind === 'sticker') body = <img src={url} alt={caption ?? label} class="media-image" />;
  else if (kind === 'video') body = <video src={url} controls class="media-video" />;
  else if (kind === 'audio') body = <audio src={url} controls />;
  else
    body = (
      <a href={url} download={filename ?? 'document'}>
        Download {label}
      </a>
    );
  return (
    <figure class="media">
      {body}
      {caption && <figcaption>{caption}</figcaption>}
    </figure>
  );
}

/** A mail's HTML, already sanitised by the gateway, in a frame that may run nothing; remote images only once asked for. */
function EmailBody({ message, content }: { message: Message; content: Extract<MessageContent, { type: 'email' }> }) {
  const [html, setHtml] = useState(content.html);
  const [remote, setRemote] = useState(false);
  async function allowRemote() {
    const full = await api<Message>('GET', `/v1/messages/${message.id}?remoteContent=allow`);
    if (full.content.type === 'email') setHtml(full.content.html);
    setRemote(true);
  }
  return (
    <div class="email">
      <p class="email-head">
        <strong>{content.subject}</strong>
        <br />
        <span class="muted">From {content.from}</span>
      </p>
      {html ? (
        <>
          <iframe class="email-html" sandbox="" srcdoc={html} title={`Mail: ${content.subject}`} />
          {!remote && /data-remote-src/.test(html) && (
            <button type="button" onClick={() => void allowRemote()}>
              Show remote images
            </button>
          )}
        </>
      ) : (
        <p class="text">{content.newText || content.text}</p>
      )}
      {content.attachments.map((a) => (
        <Media kind="document" media={a} filename={a.filename} />
      ))}
    </div>
  );
}

function Content({ message, content }: { message: Message; content: MessageContent }) {
  switch (content.type) {
    case 'text':
      return <p class="text">{content.text}</p>;
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return <Media kind={content.type} media={content.media} caption={content.caption} filename={content.filename} />;
    case 'attachments':
      return (
        <>
          {content.attachments.map((a) => (
            <Media kind={a.kind} media={a} />
          ))}
          {content.caption && <p class="text">{content.caption}</p>}
        </>
      );
    case 'location':
      return (
        <p class="text">
          Location: {content.name ?? 'shared place'} {content.address && <span class="muted">{content.address}</span>}
          <br />
          <a href={`https://www.openstreetmap.org/?mlat=${content.latitude}&mlon=${content.longitude}`} target="_blank" rel="noopener noreferrer">
            {content.latitude.toFixed(5)}, {content.longitude.toFixed(5)}
          </a>
        </p>
      );
    case 'contacts':
      return (
        <ul class="cards">
          {content.contacts.map((card) => (
            <li>
              Contact card: {card.name.formatted_name ?? [card.name.first_name, card.name.last_name].filter(Boolean).join(' ')}
              {card.phones?.map((p) => <span class="muted"> {p.phone}</span>)}
              {card.emails?.map((e) => <span class="muted"> {e.email}</span>)}
            </li>
          ))}
        </ul>
      );
    case 'interactive_reply':
      return <p class="text">↪ {content.reply.title}</p>;
    case 'button_reply':
      return <p class="text">↪ {content.text}</p>;
    case 'template':
      return (
        <p class="text">
          <span class="muted">Template </span>
          {content.template.name} ({content.template.language}){' '}
          <span class="muted">{content.template.components.flatMap((c) => c.parameters.map((p) => p.text ?? p.payload ?? '')).join(', ')}</span>
        </p>
      );
    case 'interactive':
      return <p class="text">{content.interactive.body}</p>;
    case 'system':
      return <p class="text muted">{content.body}</p>;
    case 'email':
      return <EmailBody message={message} content={content} />;
    case 'reaction':
      return <p class="text muted">Reaction {content.emoji ?? '(removed)'}</p>;
    default:
      return <p class="text muted">Unsupported message</p>;
  }
}

/** A message in a few words, as a quote shows it. */
export function quoteOf(message: Message): string {
  const c = message.content;
  const text = c.type === 'text' ? c.text : 'caption' in c && c.caption ? c.caption : c.type === 'email' ? c.subject : message.type;
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** One message of the thread: whose it is, its content as text (never as HTML), its reactions and receipt. */
export function MessageView({
  message,
  repliedTo,
  reactions,
  authorName,
  onReply,
}: {
  message: Message;
  repliedTo?: Message;
  reactions: string[];
  authorName: string;
  /** Quoting it in the reply; only messages the provider knows can be replied to. */
  onReply?: () => void;
}) {
  const own = message.direction === 'outbound';
  const receipt = own && !message.internal ? RECEIPTS[message.status] : undefined;
  const kind = message.internal ? 'note' : own ? 'outbound' : 'inbound';
  return (
    <li class={`message ${kind}`} data-message-id={message.id} data-status={message.status}>
      {message.internal && <span class="note-label">Internal note · {authorName}</span>}
      {repliedTo && <blockquote class="quoted">{quoteOf(repliedTo)}</blockquote>}
      <Content message={message} content={message.content} />
      {reactions.length > 0 && <span class="reactions" aria-label={`Reactions: ${reactions.join(' ')}`}>{reactions.join(' ')}</span>}
      <span class="footer">
        {message.aiAgent && <span class="muted ai-author">AI agent · </span>}
        {message.tag && <span class="muted">{message.tag} · </span>}
        <time title={fullTime(message.createdAt)}>{clock(message.createdAt)}</time>
        {onReply && (
          <button type="button" class="link reply-to" onClick={onReply} aria-label={`Reply to: ${quoteOf(message)}`}>
            Reply
          </button>
        )}
        {receipt && (
          <span class={`receipt receipt-${message.status}`} title={receipt.label} aria-label={receipt.label}>
            {' '}
            {receipt.mark} {message.status}
          </span>
        )}
      </span>
      {message.status === 'failed' && message.error && (
        <span class="error" role="note">
          Not delivered: {message.error.message ?? message.error.code}
        </span>
      )}
    </li>
  );
}
