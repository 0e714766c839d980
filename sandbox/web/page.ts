/**
 * The sandbox page: every simulated customer's phone (an email customer's mailbox, by thread),
 * the helpdesk inbox beside them. It reads the sandbox's state anew whenever the sandbox says
 * something changed (/sandbox/events), and acts through the same control API as the CLI. A phone
 * on screen reads what arrives on it, as a customer with the chat open would.
 */
import type { AccountView, CustomerView, HelpdeskDelivery, MailHeaders, PhoneMessage, PhoneStatus, SandboxView } from '../view.js';

const TICKS: Record<PhoneStatus, string> = { accepted: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '⚠' };

let view: SandboxView | undefined;
let selected = decodeURIComponent(location.hash.slice(1));
let reading = false;
let shownMessages = -1;
/** The mail an email customer is answering; null: a new mail. */
let replyTo: MailHeaders | null = null;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function node<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string; title?: string } = {}, ...children: Node[]) {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.text !== undefined) element.textContent = props.text;
  if (props.title) element.title = props.title;
  element.append(...children);
  return element;
}

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer: unknown = res.status === 204 ? null : await res.json();
  if (!res.ok) alert((answer as { error?: string } | null)?.error ?? `HTTP ${res.status}`);
  return answer;
}

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function wire(value: unknown): HTMLElement {
  // A mail went over the wire as its RFC 5322 text; the rest as JSON or form fields.
  const shown = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return node('details', { className: 'wire' }, node('summary', { text: 'on the wire' }), node('pre', { text: shown }));
}

function customer(): CustomerView | undefined {
  return view?.customers.find((c) => c.id === selected);
}

function renderAccounts(): void {
  if (!view) return;
  const sections = view.accounts.map((account) => {
    const state = connection(account);
    const buttons = view!.customers
      .filter((c) => c.type === account.type)
      .map((c) => {
        const button = node('button', { className: `customer${c.id === selected ? ' selected' : ''}`, text: c.name }, node('small', { text: c.address }));
        button.addEventListener('click', () => select(c.id));
        return button;
      });
    return node('div', { className: 'account' }, node('h2', { text: account.label }, state), ...buttons);
  });
  byId('accounts').replaceChildren(...sections);
  const types = byId<HTMLSelectElement>('new-customer-type');
  if (types.options.length === 0) types.append(...view.accounts.map((a) => new Option(a.label, a.type)));
}

/** Whether the gateway is connected to the account: its webhook URL is known, or (email) its watcher has the INBOX open. */
function connection(account: AccountView): HTMLElement {
  const { mailbox } = account;
  if (mailbox) {
    const servers = `${mailbox.address}: IMAP ${mailbox.imap}, SMTP ${mailbox.smtp}; ${mailbox.folders.map((f) => `${f.name} ${f.messages}`).join(', ')}`;
    return mailbox.watchers > 0
      ? node('span', { className: 'connected', text: 'watched', title: servers })
      : node('span', { className: 'disconnected', text: 'not watched', title: `${servers}. No gateway watches the INBOX yet: npm run omnigate -- demo connects it` });
  }
  return account.webhookUrl
    ? node('span', { className: 'connected', text: 'connected', title: account.webhookUrl })
    : node('span', { className: 'disconnected', text: 'not connected', title: 'No webhook URL yet: npm run omnigate -- demo connects it' });
}

function statusLine(m: PhoneMessage): HTMLElement {
  const trail = (m.steps ?? []).map((s) => `${s.status} ${time(s.at)}${s.gateway?.status ? ` → gateway ${s.gateway.status}` : s.gateway?.error ? ` → gateway: ${s.gateway.error}` : ''}`).join('\n');
  const ticks = m.status ? node('span', { className: `ticks ${m.status}`, text: ` ${TICKS[m.status]}`, title: trail }) : node('span');
  return node('span', { className: 'meta' }, document.createTextNode(time(m.at)), ticks);
}

function bubble(m: PhoneMessage): HTMLElement {
  const item = node('li', { className: `bubble ${m.from}${m.status === 'failed' ? ' failed' : ''}` }, node('span', { text: m.text }));
  item.dataset.status = m.status ?? '';
  if (m.error) item.append(node('span', { className: 'error', text: `failed: ${m.error.code} ${m.error.title}` }));
  if (m.gateway && m.gateway.status !== 200) {
    item.append(node('span', { className: 'warning', text: `the gateway did not take it: ${m.gateway.status ?? m.gateway.error}` }));
  }
  item.append(statusLine(m), wire(m.wire));
  return item;
}

/** One mail in a thread: who wrote to whom, its text, its status. */
function mail(m: PhoneMessage): HTMLElement {
  const item = bubble(m);
  item.classList.add('mail');
  item.prepend(node('span', { className: 'mail-from', text: `${m.mail!.from} → ${m.mail!.to}` }));
  if (m.from === 'customer') item.append(node('span', { className: 'meta', text: m.fetchedAt ? `fetched by the gateway ${time(m.fetchedAt)}` : 'in the business INBOX, not fetched yet' }));
  return item;
}

/** An email customer's mailbox: threads in the order they started, each mail in it in order. */
function threads(messages: PhoneMessage[]): HTMLElement[] {
  const byThread = new Map<string, PhoneMessage[]>();
  for (const m of messages) if (m.mail) byThread.set(m.mail.thread, [...(byThread.get(m.mail.thread) ?? []), m]);
  return [...byThread.values()].map((mails) => {
    const reply = node('button', { className: 'reply', text: 'Reply' });
    const latest = mails.at(-1)!.mail!;
    reply.addEventListener('click', () => startReply(latest));
    return node('li', { className: 'thread' }, node('div', { className: 'thread-subject' }, node('strong', { text: mails[0]!.mail!.subject }), reply), node('ol', { className: 'thread-mails' }, ...mails.map(mail)));
  });
}

function renderPhone(): void {
  const c = customer();
  const account = view?.accounts.find((a) => a.type === c?.type);
  const header = byId('phone-header');
  if (!c || !account) {
    header.textContent = 'Choose a customer';
    byId('messages').replaceChildren();
    return;
  }
  const isMail = c.type === 'email';
  header.replaceChildren(node('strong', { text: c.name }), node('small', { text: `${account.label} · ${c.address}${account.mailbox ? ` · writes to ${account.mailbox.address}` : ''}` }));
  byId('phone').classList.toggle('mailbox', isMail);
  const list = byId('messages');
  // Keep open "on the wire" panels open across updates: rebuild only when something changed.
  const fingerprint = JSON.stringify(c.messages);
  if (list.dataset.fingerprint !== fingerprint) {
    list.dataset.fingerprint = fingerprint;
    list.replaceChildren(...(isMail ? threads(c.messages) : c.messages.map(bubble)));
    if (c.messages.length !== shownMessages) list.scrollTop = list.scrollHeight;
    shownMessages = c.messages.length;
  }
  renderCompose(isMail);
  const failure = byId<HTMLSelectElement>('next-failure');
  failure.replaceChildren(new Option('is delivered normally', ''), ...account.failures.map((f) => new Option(`fails: ${f.label} (${f.code})`, f.id)));
  failure.value = c.nextFailure ?? '';
}

function delivery(d: HelpdeskDelivery): HTMLElement {
  const badge =
    d.verified === true
      ? node('span', { className: 'badge ok', text: 'signed ✓' })
      : d.verified === false
        ? node('span', { className: 'badge bad', text: 'bad signature' })
        : node('span', { className: 'badge unknown', text: 'unverified', title: 'Give the inbox the subscription secret to check signatures' });
  return node('li', { className: 'delivery' }, badge, node('strong', { text: d.type }), node('div', { text: d.summary }), node('span', { className: 'meta', text: time(d.receivedAt) }), wire(d.body));
}

function renderHelpdesk(): void {
  if (!view) return;
  const { url, secrets, deliveries } = view.helpdesk;
  byId('helpdesk-info').textContent = `Subscribe ${url} (POST /v1/webhook-subscriptions); ${secrets === 0 ? 'no secret given yet: POST the answer to /sandbox/helpdesk/secrets' : `${secrets} secret(s) known`}.`;
  const list = byId('deliveries');
  const fingerprint = `${deliveries.length}:${deliveries[0]?.webhookId ?? ''}:${deliveries[0]?.receivedAt ?? ''}`;
  if (list.dataset.fingerprint !== fingerprint) {
    list.dataset.fingerprint = fingerprint;
    list.replaceChildren(...deliveries.map(delivery));
  }
}

/** The compose form: a mail has a subject (a new thread) or answers a mail. */
function renderCompose(isMail: boolean): void {
  const subject = byId<HTMLInputElement>('compose-subject');
  if (!isMail) replyTo = null;
  byId('compose-mail').hidden = !isMail;
  subject.required = isMail && !replyTo;
  subject.disabled = Boolean(replyTo);
  if (replyTo) subject.value = /^re\s*:/i.test(replyTo.subject) ? replyTo.subject : `Re: ${replyTo.subject}`;
  byId('new-mail').hidden = !replyTo;
}

function startReply(parent: MailHeaders): void {
  replyTo = parent;
  renderCompose(true);
  byId<HTMLInputElement>('compose-text').focus();
}

/** The customer has the chat open: what was delivered gets read. */
async function readIfLooking(): Promise<void> {
  const c = customer();
  if (!c || reading || document.visibilityState !== 'visible' || !c.messages.some((m) => m.status === 'delivered')) return;
  reading = true;
  try {
    await call('POST', `/sandbox/customers/${encodeURIComponent(c.id)}/read`);
  } finally {
    reading = false;
  }
}

async function refresh(): Promise<void> {
  view = (await (await fetch('/sandbox/state')).json()) as SandboxView;
  if (!customer() && view.customers[0]) selected = view.customers[0].id;
  renderAccounts();
  renderPhone();
  renderHelpdesk();
  await readIfLooking();
}

function select(id: string): void {
  selected = id;
  shownMessages = -1;
  replyTo = null;
  byId<HTMLInputElement>('compose-subject').value = '';
  history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  void refresh();
}

function start(): void {
  byId('compose').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('compose-text');
    const subject = byId<HTMLInputElement>('compose-subject');
    const c = customer();
    if (!c || !input.value.trim()) return;
    const draft = c.type !== 'email' ? {} : replyTo ? { inReplyTo: replyTo.messageId } : { subject: subject.value };
    void call('POST', `/sandbox/customers/${encodeURIComponent(c.id)}/messages`, { text: input.value, ...draft });
    input.value = '';
    subject.value = '';
    replyTo = null;
    renderCompose(c.type === 'email');
  });
  byId('new-mail').addEventListener('click', () => {
    replyTo = null;
    byId<HTMLInputElement>('compose-subject').value = '';
    renderCompose(true);
  });
  byId('next-failure').addEventListener('change', (event) => {
    const c = customer();
    const value = (event.target as HTMLSelectElement).value;
    if (c) void call('PUT', `/sandbox/customers/${encodeURIComponent(c.id)}/next-failure`, { failure: value || null });
  });
  byId('new-customer').addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = byId<HTMLInputElement>('new-customer-name');
    const created = (await call('POST', '/sandbox/customers', { type: byId<HTMLSelectElement>('new-customer-type').value, name: name.value })) as CustomerView | null;
    name.value = '';
    if (created?.id) select(created.id);
  });
  document.addEventListener('visibilitychange', () => void readIfLooking());
  window.addEventListener('hashchange', () => select(decodeURIComponent(location.hash.slice(1))));
  new EventSource('/sandbox/events').addEventListener('change', () => void refresh());
}

start();
