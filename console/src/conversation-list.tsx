import { useEffect, useState } from 'preact/hooks';
import { api, query as toQuery, refusal } from './api.js';
import { contactName, nameOf, type ContactCache, type Directory } from './directory.js';
import { clock, STATUS_LABELS } from './format.js';
import { useLoad } from './use-load.js';
import type { Contact, Conversation, Me, Page } from './types.js';

export type Tab = 'mine' | 'queue' | 'all' | 'archived';

export interface Filters {
  q?: string;
  channelId?: string;
  status?: string;
  tags?: string;
  labelId?: string;
  assigneeId?: string;
  createdFrom?: string;
  createdTo?: string;
}

export interface ListQuery {
  tab: Tab;
  filters: Filters;
}

const TABS: { id: Tab; label: string }[] = [
  { id: 'mine', label: 'Mine' },
  { id: 'queue', label: 'Queue' },
  { id: 'all', label: 'All' },
  { id: 'archived', label: 'Archived' },
];

/** Conversations a list shows at first, and at most (the API's page size limit): beyond, search and filters narrow it. */
const FIRST_PAGE = 50;
const LONGEST_LIST = 200;

/** The API's list query of a tab and the filters. */
function listPath(me: Me, { tab, filters }: ListQuery, limit: number): string {
  const byTab: Record<Tab, Record<string, string | undefined>> = {
    mine: { status: 'active,pending,snoozed', assigneeId: me.agent?.id ?? 'none' },
    queue: { status: 'queued' },
    all: {},
    archived: { archived: 'true' },
  };
  const day = (d: string | undefined, end: boolean) => (d ? new Date(`${d}T${end ? '23:59:59' : '00:00:00'}`).toISOString() : undefined);
  return `/v1/conversations${toQuery({
    limit: String(limit),
    ...byTab[tab],
    ...(filters.status && { status: filters.status }),
    ...(filters.assigneeId && { assigneeId: filters.assigneeId }),
    channelId: filters.channelId,
    tags: filters.tags?.trim(),
    labelId: filters.labelId,
    q: filters.q?.trim(),
    createdFrom: day(filters.createdFrom, false),
    createdTo: day(filters.createdTo, true),
  })}`;
}

export function ConversationList(props: {
  me: Me;
  directory: Directory | undefined;
  contacts: ContactCache;
  query: ListQuery;
  onQuery(q: ListQuery): void;
  tick: number;
  selectedId: string | null;
  onSelect(id: string): void;
  onChanged(): void;
}) {
  const { me, query, onQuery, directory } = props;
  const [limit, setLimit] = useState(FIRST_PAGE);
  const path = listPath(me, query, limit);
  const list = useLoad(() => api<Page<Conversation>>('GET', path), [path, props.tick]);
  const [search, setSearch] = useState(query.filters.q ?? '');
  const [showFilters, setShowFilters] = useState(false);
  const setFilter = (name: keyof Filters, value: string) => onQuery({ ...query, filters: { ...query.filters, [name]: value || undefined } });

  return (
    <nav class="list-panel" aria-label="Conversations">
      <div class="tabs" role="tablist" aria-label="Conversation lists">
        {TABS.map((t) => (
          <button type="button" role="tab" aria-selected={query.tab === t.id} class={query.tab === t.id ? 'tab selected' : 'tab'} onClick={() => onQuery({ ...query, tab: t.id })}>
            {t.label}
          </button>
        ))}
      </div>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter('q', search);
        }}
      >
        <input type="search" aria-label="Search conversations" placeholder="Search name or message…" value={search} onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)} />
        <button type="button" aria-expanded={showFilters} onClick={() => setShowFilters(!showFilters)}>
          Filters
        </button>
      </form>
      {showFilters && (
        <fieldset class="filters">
          <legend class="sr-only">Filters</legend>
          <label>
            Channel
            <select value={query.filters.channelId ?? ''} onChange={(e) => setFilter('channelId', (e.currentTarget as HTMLSelectElement).value)}>
              <option value="">Any</option>
              {directory?.channels.map((c) => <option value={c.id}>{c.name}</option>)}
            </select>
          </label>
          <label>
            Status
            <select value={query.filters.status ?? ''} onChange={(e) => setFilter('status', (e.currentTarget as HTMLSelectElement).value)}>
              <option value="">Any</option>
              {Object.entries(STATUS_LABELS).map(([value, label]) => <option value={value}>{label}</option>)}
            </select>
          </label>
          <label>
            Assignee
            <select value={query.filters.assigneeId ?? ''} onChange={(e) => setFilter('assigneeId', (e.currentTarget as HTMLSelectElement).value)}>
              <option value="">Anyone</option>
              <option value="none">Nobody</option>
              {directory?.agents.map((a) => <option value={a.id}>{a.name}</option>)}
            </select>
          </label>
          <label>
            Label
            <select value={query.filters.labelId ?? ''} onChange={(e) => setFilter('labelId', (e.currentTarget as HTMLSelectElement).value)}>
              <option value="">Any</option>
              {directory?.labels.map((l) => <option value={l.id}>{l.name}</option>)}
            </select>
          </label>
          <label>
            Tag
            <input value={query.filters.tags ?? ''} onChange={(e) => setFilter('tags', (e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label>
            From
            <input type="date" value={query.filters.createdFrom ?? ''} onChange={(e) => setFilter('createdFrom', (e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label>
            To
            <input type="date" value={query.filters.createdTo ?? ''} onChange={(e) => setFilter('createdTo', (e.currentTarget as HTMLInputElement).value)} />
          </label>
        </fieldset>
      )}
      {list.error && (
        <p role="alert" class="error">
          Could not load the conversations: {list.error.message}{' '}
          <button type="button" onClick={list.reload}>
            Retry
          </button>
        </p>
      )}
      {list.loading && !list.data && <p class="muted">Loading…</p>}
      {list.data && list.data.data.length === 0 && <p class="muted empty-list">No conversations here.</p>}
      <ul class="conversations">
        {list.data?.data.map((c) => (
          <ListItem key={c.id} conversation={c} {...props} />
        ))}
      </ul>
      {list.data?.nextCursor && (
        <p class="more">
          {limit < LONGEST_LIST ? (
            <button type="button" onClick={() => setLimit(Math.min(LONGEST_LIST, limit + FIRST_PAGE))}>
              Show more
            </button>
          ) : (
            <span class="muted">The newest {LONGEST_LIST} are shown: search or filter to find others.</span>
          )}
        </p>
      )}
    </nav>
  );
}

function ListItem({ conversation: c, contacts, directory, selectedId, onSelect, onChanged, query }: Parameters<typeof ConversationList>[0] & { conversation: Conversation }) {
  const [contact, setContact] = useState<Contact | undefined>();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    contacts.get(c.contactId).then(setContact, () => undefined);
  }, [c.contactId]);

  async function accept() {
    setError(null);
    try {
      await api('POST', `/v1/conversations/${c.id}/accept`);
      onChanged();
      onSelect(c.id);
    } catch (err) {
      setError(refusal(err));
    }
  }

  const name = contactName(contact);
  return (
    <li class={`conversation-item${selectedId === c.id ? ' selected' : ''}`} data-conversation-id={c.id}>
      <button type="button" class="open" aria-current={selectedId === c.id} onClick={() => onSelect(c.id)}>
        <span class="line">
          <strong class="name">{name}</strong>
          <time>{clock(c.lastMessageAt ?? c.createdAt)}</time>
        </span>
        <span class="line">
          <span class="meta">
            {nameOf(directory?.channels, c.channelId, 'channel')} · <span class={`status status-${c.status}`}>{STATUS_LABELS[c.status]}</span>
            {c.priority !== 'normal' && <span class={`priority priority-${c.priority}`}> · {c.priority}</span>}
          </span>
          {c.unreadCount > 0 && (
            <span class="badge" aria-label={`${c.unreadCount} unread`}>
              {c.unreadCount}
            </span>
          )}
        </span>
      </button>
      {query.tab === 'queue' && c.status === 'queued' && (
        <button type="button" class="primary accept" aria-label={`Accept conversation with ${name}`} onClick={() => void accept()}>
          Accept
        </button>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </li>
  );
}
