import { useState } from 'preact/hooks';
import { api, blob, refusal } from './api.js';
import type { Directory } from './directory.js';
import type { Conversation, Me } from './types.js';

type Panel = 'transfer' | 'snooze' | 'ticket' | 'delete' | null;


/** What an agent does to the open conversation; each refusal is shown with the API's reason. */
export function ConversationActions({ conversation: c, me, directory, onChanged, onDeleted }: { conversation: Conversation; me: Me; directory: Directory | undefined; onChanged(): void; onDeleted(): void }) {
  const [panel, setPanel] = useState<Panel>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = `/v1/conversations/${c.id}`;
  const ended = ['resolved', 'closed', 'abandoned'].includes(c.status);

  async function act(action: () => Promise<unknown>, message?: string, after = onChanged) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await action();
      setPanel(null);
      if (message) setDone(message);
      after();
    } catch (err) {
      setError(refusal(err));
    } finally {
      setBusy(false);
    }
  }

  const post = (suffix: string, body?: unknown) => () => api('POST', `${path}${suffix}`, body);
  const status = (s: string) => post('/status', { status: s });

  async function exportTranscript() {
    const file = await blob(`${path}/transcript?format=text`);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(file);
    link.download = `conversation-${c.id}.txt`;
    link.click();
    URL.revokeObjectURL(link.href);
  }

  const toggle = (p: Panel) => setPanel(panel === p ? null : p);

  return (
    <div class="actions">
      <div class="toolbar" role="toolbar" aria-label="Conversation actions">
        {c.status === 'queued' && me.agent && (
          <button type="button" class="primary" disabled={busy} onClick={() => void act(post('/accept'), 'Accepted')}>
            Accept
          </button>
        )}
        {(c.status === 'queued' || c.status === 'active') && (
          <button type="button" aria-expanded={panel === 'transfer'} onClick={() => toggle('transfer')}>
            {c.status === 'queued' ? 'Assign / transfer' : 'Transfer'}
          </button>
        )}
        {!ended && c.status !== 'pending' && c.status !== 'queued' && (
          <button type="button" disabled={busy} onClick={() => void act(status('pending'))}>
            Pending
          </button>
        )}
        {!ended && (
          <button type="button" aria-expanded={panel === 'snooze'} onClick={() => toggle('snooze')}>
            Snooze
          </button>
        )}
        {!ended && (
          <button type="button" disabled={busy} onClick={() => void act(status('resolved'), 'Resolved')}>
            Resolve
          </button>
        )}
        {c.status !== 'closed' && (
          <button type="button" disabled={busy} onClick={() => void act(status('closed'), 'Closed')}>
            Close
          </button>
        )}
        {ended && (
          <button type="button" disabled={busy} onClick={() => void act(status('active'), 'Reopened')}>
            Reopen
          </button>
        )}
        <button type="button" disabled={busy} onClick={() => void act(post('/read'))}>
          Mark read
        </button>
        <button type="button" disabled={busy} onClick={() => void act(post(c.archived ? '/unarchive' : '/archive'), c.archived ? 'Unarchived' : 'Archived')}>
          {c.archived ? 'Unarchive' : 'Archive'}
        </button>
        <button type="button" aria-expanded={panel === 'ticket'} onClick={() => toggle('ticket')}>
          Create ticket
        </button>
        <button type="button" disabled={busy} onClick={() => void act(exportTranscript)}>
          Export
        </button>
        {me.role === 'admin' && (
          <button type="button" class="danger" aria-expanded={panel === 'delete'} onClick={() => toggle('delete')}>
            Delete
          </button>
        )}
      </div>
      {panel === 'transfer' && <TransferForm directory={directory} busy={busy} onSubmit={(body) => void act(post('/transfer', body), 'Transferred')} />}
      {panel === 'snooze' && (
        <form
          class="panel"
          onSubmit={(e) => {
            e.preventDefault();
            const until = new FormData(e.currentTarget as HTMLFormElement).get('until');
            void act(post('/snooze', { until: new Date(String(until)).toISOString() }), 'Snoozed');
          }}
        >
          <label>
            Snooze until
            <input type="datetime-local" name="until" required />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Snooze
          </button>
        </form>
      )}
      {panel === 'ticket' && (
        <form
          class="panel"
          onSubmit={(e) => {
            e.preventDefault();
            const note = String(new FormData(e.currentTarget as HTMLFormElement).get('note') ?? '').trim();
            void act(post('/escalate', note ? { note } : {}), 'Sent to the helpdesk with the transcript: the ticket reference shows here once it answers');
          }}
        >
          <label>
            Note for the helpdesk
            <input name="note" />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Create ticket
          </button>
        </form>
      )}
      {panel === 'delete' && (
        <div class="panel danger-zone" role="alertdialog" aria-labelledby={`delete-${c.id}`}>
          <p id={`delete-${c.id}`}>
            <strong>Delete this conversation for good?</strong> This cannot be undone: its messages, internal notes and stored files are erased.
          </p>
          <button type="button" class="danger" disabled={busy} onClick={() => void act(() => api('DELETE', path), undefined, onDeleted)}>
            Delete for good
          </button>
          <button type="button" onClick={() => setPanel(null)}>
            Keep it
          </button>
        </div>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {done && (
        <p role="status" class="done">
          {done}
        </p>
      )}
    </div>
  );
}

function TransferForm({ directory, busy, onSubmit }: { directory: Directory | undefined; busy: boolean; onSubmit(body: { agentId?: string; queueId?: string; note?: string }): void }) {
  return (
    <form
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget as HTMLFormElement);
        const [kind, id] = String(form.get('target')).split(':');
        const note = String(form.get('note') ?? '').trim();
        onSubmit({ ...(kind === 'agent' ? { agentId: id } : { queueId: id }), ...(note && { note }) });
      }}
    >
      <label>
        To
        <select name="target" required>
          <option value="">Choose…</option>
          <optgroup label="Agents">
            {directory?.agents.map((a) => (
              <option value={`agent:${a.id}`}>
                {a.name} ({a.status})
              </option>
            ))}
          </optgroup>
          <optgroup label="Queues">
            {directory?.queues.map((q) => <option value={`queue:${q.id}`}>{q.name}</option>)}
          </optgroup>
        </select>
      </label>
      <label>
        Note
        <input name="note" placeholder="What the next agent should know" />
      </label>
      <button type="submit" class="primary" disabled={busy}>
        Transfer
      </button>
    </form>
  );
}
