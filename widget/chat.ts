import { Refusal, type Frame, type Gateway, type VisitorMessage, type WidgetSettings } from './gateway.js';
import { STYLES } from './styles.js';

const CHAT_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z"/></svg>';
const CLIP_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z"/></svg>';
/** How long an agent's typing shows without a new notice. */
const TYPING_SHOWN_MS = 5000;
/** At most one typing notice per this long while the visitor types. */
const TYPING_EVERY_MS = 2500;
/** Reconnection waits: doubled after each failure, up to the last. */
const RECONNECT_MS = [500, 1000, 2000, 5000, 10000];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  // Text only, ever: nothing a visitor or an agent writes becomes markup.
  if (text !== undefined) element.textContent = text;
  return element;
}

const newClientId = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

/** A message on screen: the stored one, or the visitor's own while it is on its way. */
interface Shown {
  bubble: HTMLElement;
  message: VisitorMessage | null;
}

/**
 * The widget: a launcher and a chat panel in a shadow root, fed by the visitor API and socket.
 * Everything shown is text (textContent), links and images only from the gateway's own signed URLs.
 */
export class ChatWidget {
  private readonly root: ShadowRoot;
  private readonly launcher = el('button', { class: 'launcher', type: 'button', 'aria-label': 'Open chat', 'aria-expanded': 'false' });
  private readonly badge = el('span', { class: 'badge', hidden: '', 'aria-hidden': 'true' });
  private readonly panel = el('section', { class: 'panel', role: 'dialog', hidden: '' });
  private readonly title = el('h2', { id: 'omnigate-chat-title' });
  private readonly notice = el('p', { class: 'notice', role: 'status', hidden: '' });
  private readonly log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation' });
  private readonly typing = el('p', { class: 'typing', hidden: '', 'aria-live': 'polite' }, 'The team is typing…');
  private readonly chips = el('div', { class: 'chips', role: 'group', 'aria-label': 'Suggestions' });
  private readonly input = el('textarea', { 'aria-label': 'Message', placeholder: 'Write a message…', rows: '1', maxlength: '4096' });
  private readonly file = el('input', { type: 'file', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true', accept: 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain' });
  private readonly sendButton = el('button', { class: 'send', type: 'submit' }, 'Send');

  private settings: WidgetSettings | null = null;
  private readonly shown = new Map<string, Shown>();
  private started: Promise<void> | null = null;
  private socket: WebSocket | null = null;
  private lastEventId: string | null = null;
  private reconnects = 0;
  private unread = 0;
  private typingTimer: number | undefined;
  private lastTypingSent = 0;
  private refused = false;
  /** When an agent last read the conversation: the visitor's messages up to then show "Seen". */
  private seenAt: string | null = null;
  private readonly seen = el('p', { class: 'meta seen' }, 'Seen');

  constructor(
    host: HTMLElement,
    private readonly gateway: Gateway,
  ) {
    this.root = host.attachShadow({ mode: 'open' });
    this.build();
  }

  /** Shows the launcher in the channel's colours; nothing else happens until the visitor opens the chat. */
  start(): void {
    this.gateway.settings().then(
      (settings) => this.apply(settings),
      (err: unknown) => this.failed(err),
    );
    // A visitor with a conversation under way gets its replies counted on the launcher.
    if (this.hasStoredVisitor()) void this.connect();
  }

  private hasStoredVisitor(): boolean {
    try {
      return localStorage.getItem(`omnigate-chat:${this.gateway.channelId}`) !== null;
    } catch {
      return false;
    }
  }

  private build(): void {
    const style = el('style', {}, STYLES);
    this.launcher.innerHTML = CHAT_ICON;
    this.launcher.append(this.badge);
    this.panel.setAttribute('aria-labelledby', this.title.id);
    const close = el('button', { type: 'button', 'aria-label': 'Close chat' }, '×');
    const header = el('header');
    header.append(this.title, close);
    const attach = el('button', { class: 'attach', type: 'button', 'aria-label': 'Attach a file' });
    attach.innerHTML = CLIP_ICON;
    const form = el('form');
    form.append(attach, this.file, this.input, this.sendButton);
    this.panel.append(header, this.notice, this.log, this.typing, this.chips, form);
    this.root.append(style, this.panel, this.launcher);

    this.launcher.addEventListener('click', () => (this.panel.hidden ? this.open() : this.close()));
    close.addEventListener('click', () => this.close());
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.sendText(this.input.value);
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        this.sendText(this.input.value);
      }
    });
    this.input.addEventListener('input', () => this.typed());
    attach.addEventListener('click', () => this.file.click());
    this.file.addEventListener('change', () => {
      const chosen = this.file.files?.[0];
      this.file.value = '';
      if (chosen) void this.sendFile(chosen);
    });
  }

  private apply(settings: WidgetSettings): void {
    this.settings = settings;
    const host = this.root.host as HTMLElement;
    // Inside the shadow tree: the page cannot override them.
    this.panel.style.setProperty('--primary', settings.colors.primary);
    this.panel.style.setProperty('--on-primary', settings.colors.onPrimary);
    this.launcher.style.setProperty('--primary', settings.colors.primary);
    this.launcher.style.setProperty('--on-primary', settings.colors.onPrimary);
    host.dataset.ready = 'true';
    this.title.textContent = settings.title;
    this.launcher.setAttribute('aria-label', `Open chat: ${settings.title}`);
    this.renderChips();
    if (this.shown.size === 0) this.greet();
  }

  private greet(): void {
    if (this.settings?.greeting && !this.log.querySelector('.greeting')) {
      this.log.prepend(el('p', { class: 'bubble business greeting' }, this.settings.greeting));
    }
  }

  private renderChips(): void {
    this.chips.replaceChildren(
      ...(this.settings?.promptChips ?? []).map((chip) => {
        const button = el('button', { type: 'button' }, chip);
        button.addEventListener('click', () => this.sendText(chip));
        return button;
      }),
    );
    // Suggestions only before the visitor writes.
    this.chips.hidden = this.shown.size > 0 || this.chips.childElementCount === 0;
  }

  private open(): void {
    this.panel.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'true');
    this.launcher.setAttribute('aria-label', 'Close chat');
    this.unread = 0;
    this.badge.hidden = true;
    this.input.focus();
    if (!this.refused) void this.connect().then(() => this.markRead());
  }

  private close(): void {
    this.panel.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.setAttribute('aria-label', `Open chat${this.settings ? `: ${this.settings.title}` : ''}`);
    this.launcher.focus();
  }

  /** The visitor's session, its conversation so far and the socket: once, retried after a failure. */
  private connect(): Promise<void> {
    this.started ??= (async () => {
      await this.gateway.startSession();
      await this.loadHistory();
      this.openSocket();
      this.say(null);
    })().catch((err: unknown) => {
      this.started = null;
      this.failed(err);
    });
    return this.started;
  }

  private async loadHistory(): Promise<void> {
    const history = await this.gateway.history();
    this.lastEventId = history.lastEventId;
    for (const message of history.messages) this.show(message);
    this.seenAt = history.conversation?.seenAt ?? null;
    this.renderSeen();
    this.renderChips();
  }

  private openSocket(): void {
    const socket = this.gateway.socket(this.lastEventId);
    this.socket = socket;
    socket.addEventListener('open', () => (this.reconnects = 0));
    socket.addEventListener('message', (event) => this.received(JSON.parse(String(event.data)) as Frame));
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.say(navigator.onLine ? 'Reconnecting…' : 'You are offline. Messages will be sent when you are back.');
      const wait = RECONNECT_MS[Math.min(this.reconnects++, RECONNECT_MS.length - 1)]!;
      // A refused token (expired) starts the session again before reconnecting.
      window.setTimeout(() => {
        this.gateway.history().then(
          (history) => {
            this.lastEventId ??= history.lastEventId;
            this.openSocket();
            this.say(null);
          },
          () => this.openSocketLater(),
        );
      }, wait);
    });
  }

  private openSocketLater(): void {
    const wait = RECONNECT_MS[Math.min(this.reconnects++, RECONNECT_MS.length - 1)]!;
    window.setTimeout(() => this.openSocket(), wait);
  }

  private received(frame: Frame): void {
    if ('id' in frame && typeof frame.id === 'string') this.lastEventId = frame.id;
    switch (frame.type) {
      case 'ready':
        this.lastEventId = frame.lastEventId;
        return;
      case 'message':
        this.show(frame.message);
        this.renderChips();
        if (frame.message.from === 'business') this.arrived();
        return;
      case 'status': {
        const shown = this.shown.get(frame.messageId);
        if (shown?.message) shown.message.status = frame.status;
        return;
      }
      case 'conversation':
        if (frame.status === 'closed' || frame.status === 'resolved' || frame.status === 'abandoned') {
          this.log.append(el('p', { class: 'system' }, 'This conversation has ended. Write to start a new one.'));
          this.scroll();
        }
        return;
      case 'seen':
        this.seenAt = frame.seenAt;
        this.renderSeen();
        return;
      case 'typing':
        this.typing.hidden = false;
        window.clearTimeout(this.typingTimer);
        this.typingTimer = window.setTimeout(() => (this.typing.hidden = true), TYPING_SHOWN_MS);
        return;
      case 'replay.incomplete':
        void this.loadHistory();
        return;
      default:
        return;
    }
  }

  /** A reply from the business: read if the panel is open, otherwise delivered and counted. */
  private arrived(): void {
    this.typing.hidden = true;
    if (!this.panel.hidden && document.visibilityState === 'visible') return this.markRead();
    this.unread += 1;
    this.badge.textContent = String(this.unread);
    this.badge.hidden = false;
    this.launcher.setAttribute('aria-label', `Open chat: ${this.unread} new`);
    const newest = this.newestBusinessSentAt();
    if (newest) this.gateway.receipt('delivered', newest).catch(() => undefined);
  }

  private markRead(): void {
    const newest = this.newestBusinessSentAt();
    if (newest) this.gateway.receipt('read', newest).catch(() => undefined);
  }

  private newestBusinessSentAt(): string | null {
    let newest: string | null = null;
    for (const { message } of this.shown.values()) {
      if (message?.from === 'business' && message.sentAt && (!newest || message.sentAt > newest)) newest = message.sentAt;
    }
    return newest;
  }

  /** "Seen" under the visitor's newest message an agent has read. */
  private renderSeen(): void {
    let newest: HTMLElement | null = null;
    for (const { bubble, message } of this.shown.values()) {
      if (message?.from === 'visitor' && this.seenAt && message.createdAt <= this.seenAt) newest = bubble;
    }
    if (newest) newest.after(this.seen);
    else this.seen.remove();
  }

  /** Puts a message on screen, or updates the bubble it already has (its optimistic copy included). */
  private show(message: VisitorMessage): void {
    const pending = message.clientMessageId ? this.shown.get(`client:${message.clientMessageId}`) : undefined;
    const existing = this.shown.get(message.id) ?? pending;
    const bubble = this.bubbleFor(message);
    if (existing) existing.bubble.replaceWith(bubble);
    else this.log.append(bubble);
    if (pending && message.clientMessageId) this.shown.delete(`client:${message.clientMessageId}`);
    this.shown.set(message.id, { bubble, message });
    this.scroll();
  }

  private bubbleFor(message: VisitorMessage): HTMLElement {
    const bubble = el('div', { class: `bubble ${message.from}`, 'data-message-id': message.id });
    const label = message.from === 'visitor' ? 'You' : (this.settings?.title ?? 'Team');
    bubble.append(el('span', { class: 'visually-hidden' }, `${label}: `));
    if (message.media && message.type === 'image') {
      bubble.append(el('img', { src: `${this.gateway.base}${message.media.url}`, alt: message.media.filename ?? 'Image' }));
    } else if (message.media) {
      bubble.append(el('a', { href: `${this.gateway.base}${message.media.url}`, target: '_blank', rel: 'noopener noreferrer' }, message.media.filename ?? 'Download the file'));
    }
    if (message.text) bubble.append(el('span', {}, message.text));
    if (message.type === 'unsupported') bubble.append(el('em', {}, 'This message cannot be shown here.'));
    return bubble;
  }

  private sendText(raw: string): void {
    const text = raw.trim();
    if (!text) return;
    this.input.value = '';
    void this.deliver({ clientMessageId: newClientId(), text }, text);
  }

  private async sendFile(file: File): Promise<void> {
    const clientMessageId = newClientId();
    const bubble = this.pendingBubble(clientMessageId, `Sending ${file.name}…`);
    try {
      await this.connect();
      const { mediaId, ticket } = await this.gateway.upload(file);
      await this.sendWithRetry({ clientMessageId, upload: { mediaId, ticket } });
    } catch (err) {
      bubble.classList.add('failed');
      this.failed(err);
    }
  }

  private async deliver(message: { clientMessageId: string; text: string }, shownText: string): Promise<void> {
    const bubble = this.pendingBubble(message.clientMessageId, shownText);
    try {
      await this.connect();
      await this.sendWithRetry(message);
    } catch (err) {
      bubble.classList.add('failed');
      this.failed(err);
    }
  }

  /** The visitor's bubble until the stored message replaces it (by its client id). */
  private pendingBubble(clientMessageId: string, text: string): HTMLElement {
    const bubble = el('div', { class: 'bubble visitor pending' });
    bubble.append(el('span', { class: 'visually-hidden' }, 'You: '), el('span', {}, text));
    this.log.append(bubble);
    this.shown.set(`client:${clientMessageId}`, { bubble, message: null });
    this.chips.hidden = true;
    this.scroll();
    return bubble;
  }

  /** A network failure is retried with the same client id: the gateway keeps one message however often it arrives. */
  private async sendWithRetry(message: { clientMessageId: string; text?: string; upload?: { mediaId: string; ticket: string } }): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.gateway.send(message);
      } catch (err) {
        if (err instanceof Refusal || attempt >= RECONNECT_MS.length) throw err;
        this.say('You are offline. Retrying…');
        await new Promise((resolve) => window.setTimeout(resolve, RECONNECT_MS[attempt]));
      }
    }
  }

  private typed(): void {
    const now = Date.now();
    if (now - this.lastTypingSent < TYPING_EVERY_MS || this.socket?.readyState !== WebSocket.OPEN) return;
    this.lastTypingSent = now;
    this.socket.send(JSON.stringify({ type: 'typing' }));
  }

  private failed(err: unknown): void {
    // A refusal stands: what fails after it (a preflight the gateway refused) says nothing new.
    if (this.refused) return;
    if (err instanceof Refusal && err.status < 500 && err.status !== 429) {
      this.refused = true;
      this.sendButton.disabled = true;
      this.input.disabled = true;
      this.notice.className = 'notice refused';
      this.say(err.code === 'origin_not_allowed' ? 'This chat is not available on this site.' : err.code === 'invalid_identity' ? 'We could not confirm who you are. Please sign in again.' : `The chat refused the request: ${err.message}`);
      return;
    }
    this.say(err instanceof Refusal ? 'The chat is busy; please try again in a moment.' : 'You are offline. Retrying when you are back…');
  }

  /** The line under the header: what is wrong now, or nothing. */
  private say(text: string | null): void {
    if (this.refused && text === null) return;
    this.notice.hidden = text === null;
    this.notice.textContent = text ?? '';
  }

  private scroll(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }
}
