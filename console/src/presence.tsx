import { useState } from 'preact/hooks';
import { api, refusal } from './api.js';
import type { Agent, AgentStatus, Me } from './types.js';

const STATUSES: { value: AgentStatus; label: string }[] = [
  { value: 'available', label: 'Available' },
  { value: 'busy', label: 'Away' },
  { value: 'offline', label: 'Offline' },
];

/**
 * The signed-in agent's presence and load. A key no agent uses (an admin's) can make itself one,
 * so the console's own key can take conversations.
 */
export function Presence({ me, onChanged, onAgentCreated }: { me: Me; onChanged(me: Me): void; onAgentCreated(): void }) {
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const agent = me.agent;

  async function setStatus(status: AgentStatus) {
    if (!agent) return;
    setError(null);
    try {
      const updated = await api<Agent>('PATCH', `/v1/agents/${agent.id}`, { status });
      onChanged({ ...me, agent: updated });
    } catch (err) {
      setError(refusal(err));
    }
  }

  async function create(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setError(null);
    try {
      await api('POST', '/v1/agents', { name: String(form.get('name')), email: String(form.get('email')), apiKeyId: me.apiKeyId, status: 'available' });
      setCreating(false);
      onAgentCreated();
    } catch (err) {
      setError(refusal(err));
    }
  }

  if (!agent) {
    return (
      <div class="presence">
        {creating ? (
          <form class="inline-form" onSubmit={(e) => void create(e)}>
            <input name="name" aria-label="Your name" placeholder="Your name" required />
            <input name="email" type="email" aria-label="Your email" placeholder="you@example.com" required />
            <button type="submit" class="primary">
              Create
            </button>
          </form>
        ) : (
          <>
            <span class="muted">This key is not an agent's: it can read and answer, not take conversations.</span>
            {me.role === 'admin' && (
              <button type="button" onClick={() => setCreating(true)}>
                Make me an agent
              </button>
            )}
          </>
        )}
        {error && <span role="alert" class="error">{error}</span>}
      </div>
    );
  }
  return (
    <div class="presence">
      <span class="agent-name">{agent.name}</span>
      <label class="sr-only" for="presence">
        My status
      </label>
      <select id="presence" class={`status-${agent.status}`} value={agent.status} onChange={(e) => void setStatus((e.currentTarget as HTMLSelectElement).value as AgentStatus)}>
        {STATUSES.map((s) => (
          <option value={s.value}>{s.label}</option>
        ))}
      </select>
      <span class="load" title="Conversations held / capacity">
        {agent.load ?? 0}/{agent.capacity}
      </span>
      {error && <span role="alert" class="error">{error}</span>}
    </div>
  );
}
