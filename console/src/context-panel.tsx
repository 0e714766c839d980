import { useState } from 'preact/hooks';
import { api, refusal } from './api.js';
import { contactName, nameOf, type Directory } from './directory.js';
import { clock, STATUS_LABELS } from './format.js';
import { useLoad } from './use-load.js';
import type { ContactDetail, Conversation, ConversationPriority, HandoffReason } from './types.js';

const PRIORITIES: ConversationPriority[] = ['low', 'normal', 'high', 'urgent'];

/** The right panel: who the contact is, this conversation's tags, labels and priority, and the contact's other conversations. */
export function ContextPanel({ conversation: c, directory, onChanged, onSelect }: { conversation: Conversation | undefined; directory: Directory | undefined; onChanged(): void; onSelect(id: string): void }) {
  const contactId = c?.contactId;
  // Read again whenever the conversation is (a live event about it), so other conversations stay current.
  const contact = useLoad(() => (contactId ? api<ContactDetail>('GET', `/v1/contacts/${contactId}?limit=10`) : Promise.resolve(undefined)), [contactId, c]);
  const [error, setError] = useState<string | null>(null);
  const conversationId = c?.id;
  const path = `/v1/conversations/${conversationId}`;

  async function change(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
      onChanged();
    } catch (err) {
      setError(refusal(err));
    }
  }

  if (!c)
    return (
      <aside class="context-panel" aria-label="Contact">
        <p class="muted">Loading…</p>
      </aside>
    );
  const person = contact.data;
  const unusedLabels = (directory?.labels ?? []).filter((l) => !c.labelIds.includes(l.id));

  return (
    <aside class="context-panel" aria-label="Contact">
      <section>
        <h2>{contactName(person)}</h2>
        {contact.error && <p role="alert" class="error">{contact.error.message}</p>}
        {person && (
          <dl class="facts">
            {person.phone && (
              <>
                <dt>Phone</dt>
                <dd>{person.phone}</dd>
              </>
            )}
            {person.email && (
              <>
                <dt>Email</dt>
                <dd>{person.email}</dd>
              </>
            )}
            {person.identities.map((i) => (
              <>
                <dt>{nameOf(directory?.channels, i.channelId, 'Channel')}</dt>
                <dd>
                  {i.externalId}
                  {i.displayName && <span class="muted"> ({i.displayName})</span>}
                </dd>
              </>
            ))}
            {Object.entries(person.attributes ?? {}).map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{String(v)}</dd>
              </>
            ))}
          </dl>
        )}
      </section>
      <section>
        <h3>This conversation</h3>
        <AgentReplies conversation={c} onChange={(replies) => void change(() => api('PUT', `${path}/ai-agent`, { replies }))} />
        <label>
          Priority
          <select value={c.priority} onChange={(e) => void change(() => api('PATCH', path, { priority: (e.currentTarget as HTMLSelectElement).value }))}>
            {PRIORITIES.map((p) => (
              <option value={p}>{p}</option>
            ))}
          </select>
        </label>
        <h4>Tags</h4>
        <ul class="chips" aria-label="Tags">
          {c.tags.map((t) => (
            <li class="chip">
              {t}
              <button type="button" aria-label={`Remove tag ${t}`} onClick={() => void change(() => api('DELETE', `${path}/tags/${encodeURIComponent(t)}`))}>
                ×
              </button>
            </li>
          ))}
        </ul>
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const input = (e.currentTarget as HTMLFormElement).elements.namedItem('tag') as HTMLInputElement;
            const tag = input.value.trim();
            if (tag) void change(() => api('POST', `${path}/tags`, { tags: [tag] })).then(() => (input.value = ''));
          }}
        >
          <input name="tag" aria-label="New tag" placeholder="Add a tag" />
          <button type="submit">Add</button>
        </form>
        <h4>Labels</h4>
        <ul class="chips" aria-label="Labels">
          {c.labelIds.map((id) => (
            <li class="chip">
              {nameOf(directory?.labels, id, 'label')}
              <button type="button" aria-label={`Remove label ${nameOf(directory?.labels, id, 'label')}`} onClick={() => void change(() => api('DELETE', `${path}/labels/${id}`))}>
                ×
              </button>
            </li>
          ))}
        </ul>
        {c.labelIds.length === 0 && unusedLabels.length === 0 && <p class="muted">The workspace has no labels yet.</p>}
        {unusedLabels.length > 0 && (
          <select aria-label="Apply a label" value="" onChange={(e) => void change(() => api('POST', `${path}/labels`, { labelId: (e.currentTarget as HTMLSelectElement).value }))}>
            <option value="">Apply a label…</option>
            {unusedLabels.map((l) => (
              <option value={l.id}>{l.name}</option>
            ))}
          </select>
        )}
        {c.transfers.length > 0 && (
          <>
            <h4>Transfers</h4>
            <ul class="transfers">
              {c.transfers.map((t) => (
                <li>
                  {clock(t.at)} → {t.toAgentId ? nameOf(directory?.agents, t.toAgentId, 'an agent') : nameOf(directory?.queues, t.toQueueId, 'a queue')}
                  {t.note && <p class="transfer-note">“{t.note}”</p>}
                </li>
              ))}
            </ul>
          </>
        )}
        {error && <p role="alert" class="error">{error}</p>}
      </section>
      {person && (
        <section>
          <h3>Other conversations</h3>
          <ul class="other-conversations">
            {person.conversations.data
              .filter((o) => o.id !== conversationId)
              .map((o) => (
                <li>
                  <button type="button" class="link" onClick={() => onSelect(o.id)}>
                    {clock(o.createdAt)} · {STATUS_LABELS[o.status]} · {nameOf(directory?.channels, o.channelId, 'channel')}
                  </button>
                </li>
              ))}
            {person.conversations.data.length <= 1 && <li class="muted">None</li>}
          </ul>
        </section>
      )}
    </aside>
  );
}

const HANDOFF_REASON_LABELS: Record<HandoffReason, string> = {
  bot_requested: 'the AI agent handed off',
  customer_asked: 'the customer asked for a person',
  backend_failed: 'the AI agent failed or was too slow',
  send_refused: 'a reply was refused',
  rate_limited: 'too many automatic replies',
  loop_detected: 'a loop was detected',
  switched_off: 'turned off',
  agent_took_over: 'an agent took over',
};

/** The per-conversation switch, and when and why the AI agent last handed the conversation to people. */
function AgentReplies({ conversation: c, onChange }: { conversation: Conversation; onChange(replies: boolean): void }) {
  const handoff = c.aiAgent?.handoff;
  return (
    <div class="agent-replies">
      <label>
        <input type="checkbox" checked={c.aiAgent?.replies ?? false} onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked)} /> Agent replies (the AI agent answers)
      </label>
      {handoff && (
        <p class="muted">
          Handed to people {clock(handoff.at)}: {HANDOFF_REASON_LABELS[handoff.reason]}
          {handoff.note && ` (${handoff.note})`}
        </p>
      )}
    </div>
  );
}
