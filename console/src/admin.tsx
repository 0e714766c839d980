import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, refusal } from './api.js';
import { nameOf } from './directory.js';
import { fullTime } from './format.js';
import { useLoad, type Loaded } from './use-load.js';
import type { Agent, CannedResponse, Channel, Page, Queue } from './types.js';

const SECTIONS = ['Analytics', 'Channels', 'Agents', 'Queues', 'Canned responses', 'Automation rules', 'Webhooks', 'API keys'] as const;
type Section = (typeof SECTIONS)[number];

/** The admin area: the workspace's setup as the API lists it, and the analytics it computes. */
export function Admin() {
  const [section, setSection] = useState<Section>('Analytics');
  return (
    <div class="admin">
      <nav class="admin-nav" aria-label="Admin sections">
        {SECTIONS.map((s) => (
          <button type="button" aria-current={section === s} class={section === s ? 'selected' : ''} onClick={() => setSection(s)}>
            {s}
          </button>
        ))}
      </nav>
      <section class="admin-body" aria-label={section}>
        <h2>{section}</h2>
        {section === 'Analytics' && <Analytics />}
        {section === 'Channels' && <Channels />}
        {section === 'Agents' && <Agents />}
        {section === 'Queues' && <Queues />}
        {section === 'Canned responses' && <Canned />}
        {section === 'Automation rules' && <Rules />}
        {section === 'Webhooks' && <Webhooks />}
        {section === 'API keys' && <ApiKeys />}
      </section>
    </div>
  );
}

/** A request's loading and error states around what it shows. */
function Loading<T>({ loaded, children }: { loaded: Loaded<T>; children(data: T): ComponentChildren }) {
  if (loaded.error)
    return (
      <p role="alert" class="error">
        {loaded.error.message}{' '}
        <button type="button" onClick={loaded.reload}>
          Retry
        </button>
      </p>
    );
  if (!loaded.data) return <p class="muted">Loading…</p>;
  return <>{children(loaded.data)}</>;
}

function Table({ head, rows }: { head: string[]; rows: ComponentChildren[][] }) {
  if (rows.length === 0) return <p class="muted">None yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          {head.map((h) => (
            <th scope="col">{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            {r.map((cell) => (
              <td>{cell}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface AnalyticsAnswer {
  conversations: { total: number; open: number; resolvedToday: number };
  firstResponseTime: { count: number; averageSeconds: number | null; p90Seconds: number | null };
  resolutionTime: { count: number; averageSeconds: number | null };
  messages: { inbound: number; outbound: number };
  csat: { ratings: number; average: number | null; distribution: Record<'1' | '2' | '3' | '4' | '5', number>; responseRate: number | null };
}

const duration = (s: number | null) => (s === null ? '–' : s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

/** Horizontal bars, each labelled with its value (a chart that reads without colour). */
function Bars({ title, bars }: { title: string; bars: { label: string; value: number; shown?: string }[] }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {bars.map((b) => (
        <div class="bar-row">
          <span class="bar-label">{b.label}</span>
          <span class="bar" style={{ width: `${(b.value / max) * 100}%` }} />
          <span class="bar-value">{b.shown ?? b.value}</span>
        </div>
      ))}
    </figure>
  );
}

function Analytics() {
  const [days, setDays] = useState(30);
  const loaded = useLoad(() => api<AnalyticsAnswer>('GET', `/v1/analytics?from=${new Date(Date.now() - days * 86_400_000).toISOString()}`), [days]);
  return (
    <>
      <label class="inline">
        Range
        <select value={days} onChange={(e) => setDays(Number((e.currentTarget as HTMLSelectElement).value))}>
          <option value={1}>Last 24 hours</option>
          <option value={7}>Last 7 days</option>
          <option value={30}>Last 30 days</option>
        </select>
      </label>
      <Loading loaded={loaded}>
        {(a) => (
          <div class="charts">
            <Bars
              title="Conversations"
              bars={[
                { label: 'Created', value: a.conversations.total },
                { label: 'Still open', value: a.conversations.open },
                { label: 'Resolved today', value: a.conversations.resolvedToday },
              ]}
            />
            <Bars
              title="Messages"
              bars={[
                { label: 'From customers', value: a.messages.inbound },
                { label: 'From us', value: a.messages.outbound },
              ]}
            />
            <Bars
              title="Response times"
              bars={[
                { label: 'First response (avg)', value: a.firstResponseTime.averageSeconds ?? 0, shown: duration(a.firstResponseTime.averageSeconds) },
                { label: 'First response (p90)', value: a.firstResponseTime.p90Seconds ?? 0, shown: duration(a.firstResponseTime.p90Seconds) },
                { label: 'Resolution (avg)', value: a.resolutionTime.averageSeconds ?? 0, shown: duration(a.resolutionTime.averageSeconds) },
              ]}
            />
            <Bars
              title={`CSAT: ${a.csat.average ?? '–'} average over ${a.csat.ratings} ratings${a.csat.responseRate === null ? '' : `, ${Math.round(a.csat.responseRate * 100)}% answered`}`}
              bars={(['5', '4', '3', '2', '1'] as const).map((s) => ({ label: `${s} ★`, value: a.csat.distribution[s] }))}
            />
          </div>
        )}
      </Loading>
    </>
  );
}

function Channels() {
  const loaded = useLoad(() => api<{ data: (Channel & { stateReason: string | null })[] }>('GET', '/v1/channels'), []);
  return (
    <Loading loaded={loaded}>
      {({ data }) => <Table head={['Name', 'Type', 'State', 'Webhook URL']} rows={data.map((c) => [c.name, c.type, `${c.state}${c.stateReason ? ` (${c.stateReason})` : ''}`, <code>{c.webhookUrl ?? 'mailbox: fetched, no webhook'}</code>])} />}
    </Loading>
  );
}

function Agents() {
  const loaded = useLoad(() => api<Page<Agent>>('GET', '/v1/agents?limit=200'), []);
  return <Loading loaded={loaded}>{({ data }) => <Table head={['Name', 'Email', 'Role', 'Status', 'Capacity']} rows={data.map((a) => [a.name, a.email, a.role, a.status, a.capacity])} />}</Loading>;
}

function Queues() {
  const queues = useLoad(() => api<{ data: (Queue & { strategy: string; agentIds: string[]; isDefault: boolean })[] }>('GET', '/v1/queues'), []);
  const agents = useLoad(() => api<Page<Agent>>('GET', '/v1/agents?limit=200'), []);
  return (
    <Loading loaded={queues}>
      {({ data }) => (
        <Table
          head={['Name', 'Strategy', 'Members']}
          rows={data.map((q) => [`${q.name}${q.isDefault ? ' (default)' : ''}`, q.strategy, q.agentIds.map((id) => nameOf(agents.data?.data, id, id)).join(', ') || '–'])}
        />
      )}
    </Loading>
  );
}

function Canned() {
  const loaded = useLoad(() => api<Page<CannedResponse>>('GET', '/v1/canned-responses?limit=200'), []);
  const [error, setError] = useState<string | null>(null);
  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setError(null);
    try {
      await api('POST', '/v1/canned-responses', { shortcut: data.get('shortcut'), title: data.get('title'), text: data.get('text') });
      form.reset();
      loaded.reload();
    } catch (err) {
      setError(refusal(err));
    }
  }
  return (
    <>
      <Loading loaded={loaded}>{({ data }) => <Table head={['Shortcut', 'Title', 'Text']} rows={data.map((c) => [c.shortcut, c.title, c.text])} />}</Loading>
      <form class="admin-form" onSubmit={(e) => void create(e)}>
        <h3>New canned response</h3>
        <label>
          Shortcut
          <input name="shortcut" required placeholder="/thanks" />
        </label>
        <label>
          Title
          <input name="title" required />
        </label>
        <label>
          Text ({'{{contact.name}}'} and the like are filled in when sent)
          <textarea name="text" required rows={2} />
        </label>
        <button type="submit" class="primary">
          Create
        </button>
        {error && <p role="alert" class="error">{error}</p>}
      </form>
    </>
  );
}

function Rules() {
  const loaded = useLoad(() => api<Page<{ id: string; name: string; trigger: string; enabled: boolean; actions: { type: string }[]; position: number }>>('GET', '/v1/automation-rules?limit=200'), []);
  return (
    <Loading loaded={loaded}>
      {({ data }) => <Table head={['Position', 'Name', 'Trigger', 'Actions', 'Enabled']} rows={data.map((r) => [r.position, r.name, r.trigger, r.actions.map((a) => a.type).join(', '), r.enabled ? 'yes' : 'no'])} />}
    </Loading>
  );
}

interface Delivery {
  id: string;
  eventType: string | null;
  state: string;
  attempts: { at: string; outcome: string; status: number | null }[];
}

function Webhooks() {
  const loaded = useLoad(() => api<Page<{ id: string; url: string; events: string[]; enabled: boolean; disabledReason: string | null; lastSuccessAt: string | null }>>('GET', '/v1/webhook-subscriptions?limit=100'), []);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Loading loaded={loaded}>
      {({ data }) => (
        <>
          <Table
            head={['URL', 'Events', 'State', 'Last success', '']}
            rows={data.map((s) => [
              <code>{s.url}</code>,
              s.events.join(', '),
              s.enabled ? 'enabled' : `disabled${s.disabledReason ? `: ${s.disabledReason}` : ''}`,
              fullTime(s.lastSuccessAt) || '–',
              <button type="button" onClick={() => setOpen(open === s.id ? null : s.id)}>
                {open === s.id ? 'Hide log' : 'Delivery log'}
              </button>,
            ])}
          />
          {open && <Deliveries subscriptionId={open} />}
        </>
      )}
    </Loading>
  );
}

function Deliveries({ subscriptionId }: { subscriptionId: string }) {
  const loaded = useLoad(() => api<Page<Delivery>>('GET', `/v1/webhook-subscriptions/${subscriptionId}/deliveries?limit=25`), [subscriptionId]);
  const [error, setError] = useState<string | null>(null);
  async function replay(id: string) {
    setError(null);
    try {
      await api('POST', `/v1/webhook-deliveries/${id}/replay`);
      loaded.reload();
    } catch (err) {
      setError(refusal(err));
    }
  }
  return (
    <>
      <h3>Delivery log</h3>
      {error && <p role="alert" class="error">{error}</p>}
      <Loading loaded={loaded}>
        {({ data }) => (
          <Table
            head={['Event', 'State', 'Last attempt', '']}
            rows={data.map((d) => {
              const last = d.attempts.at(-1);
              return [
                d.eventType ?? '–',
                d.state,
                last ? `${fullTime(last.at)}: ${last.outcome}${last.status ? ` (${last.status})` : ''}` : '–',
                d.state === 'pending' ? '' : (
                  <button type="button" onClick={() => void replay(d.id)}>
                    Replay
                  </button>
                ),
              ];
            })}
          />
        )}
      </Loading>
    </>
  );
}

function ApiKeys() {
  const loaded = useLoad(() => api<{ data: { id: string; name: string; role: string; prefix: string; revoked: boolean }[] }>('GET', '/v1/api-keys'), []);
  const [error, setError] = useState<string | null>(null);
  async function run(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
      loaded.reload();
    } catch (err) {
      setError(refusal(err));
    }
  }
  return (
    <>
      <Loading loaded={loaded}>
        {({ data }) => (
          <Table
            head={['Name', 'Role', 'Starts with', 'State', '']}
            rows={data.map((k) => [
              k.name,
              k.role,
              <code>{k.prefix}…</code>,
              k.revoked ? 'revoked' : 'active',
              k.revoked ? '' : (
                <button type="button" class="danger" onClick={() => void run(() => api('DELETE', `/v1/api-keys/${k.id}`))}>
                  Revoke
                </button>
              ),
            ])}
          />
        )}
      </Loading>
      <p class="muted">
        New keys are made with an API key (<code>POST /v1/api-keys</code>, or <code>npm run omnigate -- api-key create</code>), never from a
        signed-in session, which ends with its sign-in.
      </p>
      {error && <p role="alert" class="error">{error}</p>}
    </>
  );
}
