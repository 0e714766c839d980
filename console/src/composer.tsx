import { useState } from 'preact/hooks';
import { api, refusal, upload } from './api.js';
import { clock, fullTime } from './format.js';
import { componentsOf, previewOf, slotsOf } from './template-form.js';
import { useLoad } from './use-load.js';
import { quoteOf } from './message-view.js';
import type { CannedResponse, Conversation, Message, Page, Template } from './types.js';

type Mode = 'reply' | 'note';

/** What the channel's rules allow now, in words. */
function WindowState({ conversation }: { conversation: Conversation }) {
  const reply = conversation.reply;
  if (!reply) return null;
  if (reply.canReply && reply.windowExpiresAt === null) return <p class="window open">Free-form replies are open on this channel.</p>;
  if (reply.canReply)
    return (
      <p class="window open">
        Free-form reply possible until <time title={fullTime(reply.windowExpiresAt)}>{clock(reply.windowExpiresAt)}</time>.
      </p>
    );
  return (
    <p class="window closed" role="status">
      {reply.windowExpiresAt ? (
        <>
          The 24-hour window closed at <time title={fullTime(reply.windowExpiresAt)}>{clock(reply.windowExpiresAt)}</time>
        </>
      ) : (
        <>The customer has not written yet</>
      )}
      : {reply.otherwise === 'template' ? 'only an approved template can be sent.' : reply.otherwise === 'tag' ? 'a message needs an allowed message tag.' : 'no free-form reply now.'}
    </p>
  );
}

export function Composer({
  conversation,
  replyTo,
  onCancelReply,
  onSent,
  onTyping,
}: {
  conversation: Conversation;
  /** The earlier message the reply quotes, if the agent chose one. */
  replyTo: Message | null;
  onCancelReply(): void;
  onSent(): void;
  onTyping(): void;
}) {
  const [mode, setMode] = useState<Mode>('reply');
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [tag, setTag] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [lastTyping, setLastTyping] = useState(0);
  const canned = useLoad(() => api<Page<CannedResponse>>('GET', '/v1/canned-responses?limit=200'), []);
  const reply = conversation.reply;
  const templatesOnly = mode === 'reply' && reply?.canReply === false && reply.otherwise === 'template';
  const tags = mode === 'reply' && reply?.canReply === false && reply.otherwise === 'tag' ? (reply.tags ?? []) : null;
  // Shortcuts start with a slash: typing one at the start of the reply offers the matching ones.
  const typedShortcut = mode === 'reply' && text.startsWith('/') ? text.trim().toLowerCase() : null;
  const suggestions = typedShortcut !== null ? (canned.data?.data ?? []).filter((c) => c.shortcut.startsWith(typedShortcut)).slice(0, 6) : [];

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      setText('');
      setFile(null);
      onSent();
    } catch (err) {
      setError(refusal(err));
    } finally {
      setBusy(false);
    }
  }

  function send(event?: Event) {
    event?.preventDefault();
    const path = `/v1/conversations/${conversation.id}`;
    if (mode === 'note') return void run(() => api('POST', `${path}/notes`, { text }));
    const tagged = { ...(tag && { tag }), ...(replyTo && { replyToMessageId: replyTo.id }) };
    if (file)
      return void run(async () => {
        const stored = await upload(file);
        const kind = file.type.startsWith('image/') ? 'image' : file.type.startsWith('video/') ? 'video' : file.type.startsWith('audio/') ? 'audio' : 'document';
        await api('POST', `${path}/messages`, { type: kind, media: { storedId: stored.id }, ...(text && kind !== 'audio' && { caption: text }), ...(kind === 'document' && { filename: file.name }), ...tagged });
      });
    void run(() => api('POST', `${path}/messages`, { type: 'text', text, ...tagged }));
  }

  function sendCanned(c: CannedResponse) {
    void run(() => api('POST', `/v1/conversations/${conversation.id}/canned`, { shortcut: c.shortcut }));
  }

  function typed(value: string) {
    setText(value);
    // One notice every few seconds is enough for "is typing" on the other screens.
    if (mode === 'reply' && Date.now() - lastTyping > 3000) {
      setLastTyping(Date.now());
      onTyping();
    }
  }

  return (
    <div class={`composer mode-${mode}`}>
      <div class="composer-modes" role="radiogroup" aria-label="Composer mode">
        <button type="button" role="radio" aria-checked={mode === 'reply'} class={mode === 'reply' ? 'selected' : ''} onClick={() => setMode('reply')}>
          Reply
        </button>
        <button type="button" role="radio" aria-checked={mode === 'note'} class={mode === 'note' ? 'selected' : ''} onClick={() => setMode('note')}>
          Internal note
        </button>
      </div>
      {mode === 'reply' ? <WindowState conversation={conversation} /> : <p class="window note">Notes are seen by agents only, never sent to the customer.</p>}
      {templatesOnly ? (
        <TemplatePicker conversation={conversation} busy={busy} onSend={(body) => void run(() => api('POST', `/v1/conversations/${conversation.id}/messages`, body))} />
      ) : (
        <form class="reply-form" onSubmit={send}>
          {suggestions.length > 0 && (
            <ul class="suggestions" role="listbox" aria-label="Canned responses">
              {suggestions.map((c) => (
                <li role="option" aria-selected={false}>
                  <button type="button" onClick={() => sendCanned(c)}>
                    <strong>{c.shortcut}</strong> {c.title} <span class="muted">{c.text}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {replyTo && mode === 'reply' && (
            <p class="replying">
              Replying to <q>{quoteOf(replyTo)}</q>{' '}
              <button type="button" class="link" onClick={onCancelReply}>
                Cancel
              </button>
            </p>
          )}
          {tags && (
            <label class="tag-select">
              Message tag
              <select value={tag} onChange={(e) => setTag((e.currentTarget as HTMLSelectElement).value)} required>
                <option value="">Choose a tag…</option>
                {tags.map((t) => (
                  <option value={t.tag}>
                    {t.tag}
                    {t.until ? ` (until ${clock(t.until)})` : ''}
                  </option>
                ))}
              </select>
            </label>
          )}
          <textarea
            aria-label={mode === 'note' ? 'Note' : 'Reply'}
            placeholder={mode === 'note' ? 'Write a note for the team…' : 'Write a reply… (/ for canned responses)'}
            value={text}
            rows={3}
            onInput={(e) => typed((e.currentTarget as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) send(e);
            }}
          />
          <div class="composer-actions">
            {mode === 'reply' && (
              <label class="attach">
                <span>{file ? `Attached: ${file.name}` : 'Attach a file'}</span>
                <input type="file" class="sr-only" onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} />
              </label>
            )}
            <button type="submit" class="primary" disabled={busy || (!text.trim() && !file)}>
              {busy ? 'Sending…' : mode === 'note' ? 'Add note' : 'Send'}
            </button>
          </div>
        </form>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </div>
  );
}

function TemplatePicker({ conversation, busy, onSend }: { conversation: Conversation; busy: boolean; onSend(body: unknown): void }) {
  const templates = useLoad(() => api<{ data: Template[] }>('GET', `/v1/channels/${conversation.channelId}/templates`), [conversation.channelId]);
  const approved = (templates.data?.data ?? []).filter((t) => t.status === 'APPROVED');
  const [chosenId, setChosenId] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const chosen = approved.find((t) => t.id === chosenId);
  const slots = chosen ? slotsOf(chosen) : [];

  function submit(event: Event) {
    event.preventDefault();
    if (!chosen) return;
    onSend({ type: 'template', template: { name: chosen.name, language: chosen.language, components: componentsOf(slots, values) } });
  }

  if (templates.error) return <p role="alert" class="error">Could not load the templates: {templates.error.message}</p>;
  if (!templates.data) return <p class="muted">Loading templates…</p>;
  if (approved.length === 0) return <p class="muted">This channel has no approved template.</p>;
  return (
    <form class="template-form" onSubmit={submit}>
      <label>
        Template
        <select value={chosenId} onChange={(e) => (setChosenId((e.currentTarget as HTMLSelectElement).value), setValues({}))} required>
          <option value="">Choose a template…</option>
          {approved.map((t) => (
            <option value={t.id}>
              {t.name} ({t.language})
            </option>
          ))}
        </select>
      </label>
      {slots.map((s) => (
        <label>
          {s.component === 'header' ? 'Header' : 'Body'} {`{{${s.key}}}`}
          <input required value={values[`${s.component}.${s.key}`] ?? ''} onInput={(e) => setValues({ ...values, [`${s.component}.${s.key}`]: (e.currentTarget as HTMLInputElement).value })} />
        </label>
      ))}
      {chosen && <p class="preview">{previewOf(chosen, values)}</p>}
      <button type="submit" class="primary" disabled={busy || !chosen}>
        {busy ? 'Sending…' : 'Send template'}
      </button>
    </form>
  );
}
