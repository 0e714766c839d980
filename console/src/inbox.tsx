import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import { ContactCache, loadDirectory } from './directory.js';
import { ConversationList, type ListQuery } from './conversation-list.js';
import { LiveFeed, type FeedState } from './realtime.js';
import { sessionToken } from './api.js';
import { ContextPanel } from './context-panel.js';
import { Thread } from './thread.js';
import { Presence } from './presence.js';
import { useLoad } from './use-load.js';
import { Admin } from './admin.js';
import type { ConversationDetail, FeedFrame, Me } from './types.js';

/** Events that take or free an agent's slot. */
const LOAD_EVENTS = new Set(['conversation.assigned', 'conversation.transferred', 'conversation.status_changed', 'conversation.deleted']);

/** Someone typing in a conversation shows this long after their last keystroke notice. */
const TYPING_SHOWN_MS = 6000;

/**
 * The signed-in console: the conversation list, the thread and the context panel, kept current
 * by the live feed. An event reloads what it touches from the API (the list, the open thread),
 * so what is shown is always the gateway's state, in the gateway's order.
 */
export function Inbox({ me, onMeChanged, onSignOut }: { me: Me; onMeChanged(me: Me): void; onSignOut(): void }) {
  const directory = useLoad(loadDirectory, []);
  const contacts = useMemo(() => new ContactCache(), []);
  const [query, setQuery] = useState<ListQuery>({ tab: me.agent ? 'mine' : 'queue', filters: {} });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [listTick, setListTick] = useState(0);
  const [threadTick, setThreadTick] = useState(0);
  const [feedState, setFeedState] = useState<FeedState>('connecting');
  const [adminOpen, setAdminOpen] = useState(false);
  const [typing, setTyping] = useState<{ conversationId: string; agentId: string | null; until: number } | null>(null);
  // The open conversation, read for the thread and the context panel alike.
  const detail = useLoad(() => (selectedId ? api<ConversationDetail>('GET', `/v1/conversations/${selectedId}`) : Promise.resolve(undefined)), [selectedId, threadTick]);
  const open = detail.data?.id === selectedId ? detail.data : undefined;
  const selected = useRef<string | null>(null);
  selected.current = selectedId;

  const feed = useMemo(
    () =>
      new LiveFeed(sessionToken, {
        event(frame: FeedFrame) {
          if (frame.type === 'typing') {
            setTyping({ conversationId: frame.conversationId ?? '', agentId: (frame.data?.agentId as string | null) ?? null, until: Date.now() + TYPING_SHOWN_MS });
            // Gone unless another notice came meanwhile.
            setTimeout(() => setTyping((t) => (t && t.until <= Date.now() ? null : t)), TYPING_SHOWN_MS + 50);
            return;
          }
          // What changes who holds a conversation changes my load.
          if (LOAD_EVENTS.has(frame.type)) refreshMe();
          setListTick((t) => t + 1);
          if (!frame.conversationId || frame.conversationId !== selected.current) return;
          if (frame.type === 'conversation.deleted') setSelectedId(null);
          else setThreadTick((t) => t + 1);
        },
        resync() {
          setListTick((t) => t + 1);
          setThreadTick((t) => t + 1);
        },
        state(state) {
          setFeedState(state);
          // Live again: what changed before the socket was up is read anew.
          if (state === 'live') setListTick((t) => t + 1);
        },
      }),
    [],
  );
  useEffect(() => {
    feed.start();
    return () => feed.stop();
  }, [feed]);

  function refreshMe() {
    void api<Me>('GET', '/v1/me').then(onMeChanged, () => undefined);
  }

  const shownTyping = typing && typing.until > Date.now() && typing.conversationId === selectedId ? typing : null;
  const typingName = shownTyping ? (directory.data?.agents.find((a) => a.id === shownTyping.agentId)?.name ?? 'Another agent') : null;

  return (
    <div class={`console${selectedId ? ' has-selection' : ''}${adminOpen ? ' admin-open' : ''}`}>
      <header class="topbar">
        <h1>Omnigate</h1>
        <span class={`feed ${feedState}`} role="status" aria-live="polite">
          {feedState === 'live' ? 'Live' : feedState === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
        <Presence me={me} onChanged={onMeChanged} onAgentCreated={refreshMe} />
        {me.role === 'admin' && (
          <button type="button" aria-pressed={adminOpen} onClick={() => setAdminOpen(!adminOpen)}>
            {adminOpen ? 'Back to the inbox' : 'Admin'}
          </button>
        )}
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {adminOpen ? (
        <Admin />
      ) : (
        <>
          <ConversationList
            me={me}
            directory={directory.data}
            contacts={contacts}
            query={query}
            onQuery={setQuery}
            tick={listTick}
            selectedId={selectedId}
            onSelect={setSelectedId}
            onChanged={() => setListTick((t) => t + 1)}
          />
          {selectedId ? (
            <>
              <Thread
                key={selectedId}
                conversationId={selectedId}
                conversation={open}
                error={detail.error}
                reload={detail.reload}
                me={me}
                directory={directory.data}
                contacts={contacts}
                typingName={typingName}
                onTyping={() => feed.typing(selectedId)}
                onChanged={() => setListTick((t) => t + 1)}
                onClosed={() => setSelectedId(null)}
              />
              <ContextPanel key={selectedId} conversation={open} directory={directory.data} onChanged={detail.reload} onSelect={setSelectedId} />
            </>
          ) : (
            <section class="thread empty" aria-label="Conversation">
              <p>Choose a conversation on the left.</p>
            </section>
          )}
        </>
      )}
    </div>
  );
}
