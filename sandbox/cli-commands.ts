import type { SandboxClient } from './client.js';
import { runLoad } from './load.js';
import type { AccountView, CustomerView, PhoneMessage, ProviderType } from './view.js';

/** The CLI's options, as given. */
export type CommandOptions = Partial<Record<'type' | 'customers' | 'rate' | 'seconds' | 'drain' | 'subject', string>>;

const TICKS: Record<string, string> = { accepted: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓ read', failed: '⚠ failed' };

function line(m: PhoneMessage): string {
  const when = m.at.slice(11, 19);
  if (m.from === 'customer') {
    // A mail is not posted to the gateway: its watcher fetches it from the INBOX.
    const taken = m.mail ? (m.fetchedAt ? '' : '  (not fetched by the gateway yet)') : m.gateway?.status === 200 ? '' : `  (gateway: ${m.gateway?.status ?? m.gateway?.error ?? 'waiting'})`;
    return `${when}  customer > ${m.text}${taken}`;
  }
  const status = m.status ? `  [${TICKS[m.status] ?? m.status}${m.error ? ` ${m.error.code} ${m.error.title}` : ''}]` : '';
  return `${when}  business < ${m.text.replace(/\n/g, '\n                     ')}${status}`;
}

/** The sandbox CLI's commands against a running sandbox; each prints what it did or found. */
export const commands: Record<string, (client: SandboxClient, args: string[], options: CommandOptions) => Promise<void>> = {
  async customers(client) {
    const { customers, accounts } = await client.state();
    for (const account of accounts) {
      console.log(`${account.label} (${account.accountId}) ${connection(account)}`);
      for (const c of customers.filter((c) => c.type === account.type)) console.log(`  ${c.id.padEnd(12)} ${c.name} ${c.address}${c.nextFailure ? `  next: ${c.nextFailure}` : ''}`);
    }
  },
  async say(client, [id, ...words], options) {
    const message = await client.say(need(id, 'customer'), need(words.join(' '), 'text'), { subject: options.subject });
    console.log(message.mail ? `${message.mail.subject}\n${line(message)}` : line(message));
  },
  async show(client, [id]) {
    const c = await client.customer(need(id, 'customer'));
    console.log(`${c.name} (${c.type}, ${c.address})`);
    if (c.type === 'email') return showMailbox(c);
    for (const m of c.messages) console.log(line(m));
  },
  async read(client, [id]) {
    console.log(`read ${await client.read(need(id, 'customer'))} message(s)`);
  },
  async fail(client, [id, failure]) {
    const c = await client.failNext(need(id, 'customer'), need(failure, 'failure (or off)') === 'off' ? null : failure!);
    console.log(c.nextFailure ? `the next message to ${c.name} fails: ${c.nextFailure}` : `messages to ${c.name} are delivered normally`);
  },
  async failures(client) {
    for (const account of (await client.state()).accounts) {
      console.log(account.label);
      for (const f of account.failures) console.log(`  ${f.id.padEnd(16)} ${f.code.padEnd(7)} ${f.label}`);
    }
  },
  async helpdesk(client) {
    const helpdesk = await client.helpdesk();
    console.log(`${helpdesk.url} (${helpdesk.secrets} secret(s) known)`);
    for (const d of [...helpdesk.deliveries].reverse()) {
      const check = d.verified === true ? 'signed ✓' : d.verified === false ? 'BAD SIGNATURE' : 'unverified';
      console.log(`${d.receivedAt.slice(11, 19)}  ${d.type.padEnd(28)} ${check.padEnd(13)} ${d.summary}`);
    }
  },
  async load(client, _args, options) {
    const report = await runLoad(client, {
      type: (options.type ?? 'whatsapp-cloud') as ProviderType,
      customers: Number(options.customers ?? 10),
      rate: Number(options.rate ?? 10),
      seconds: Number(options.seconds ?? 10),
      drainSeconds: Number(options.drain ?? 30),
    });
    console.log(JSON.stringify(report, null, 2));
  },
};

/** How the gateway reaches the account: its webhook URL, or for email the mailbox's servers and whether the gateway watches it. */
function connection(account: AccountView): string {
  const { mailbox } = account;
  if (mailbox) return `IMAP ${mailbox.imap}, SMTP ${mailbox.smtp} ${mailbox.watchers > 0 ? '(watched by the gateway)' : '(not watched yet)'}`;
  return account.webhookUrl ? `→ ${account.webhookUrl}` : '(not connected)';
}

/** A mailbox by thread, in the order the threads started. */
function showMailbox(c: CustomerView): void {
  const threads = new Map<string, PhoneMessage[]>();
  for (const m of c.messages) if (m.mail) threads.set(m.mail.thread, [...(threads.get(m.mail.thread) ?? []), m]);
  for (const mails of threads.values()) {
    console.log(`\n${mails[0]!.mail!.subject}`);
    for (const m of mails) console.log(`${line(m)}\n                     Message-ID <${m.mail!.messageId}>${m.mail!.inReplyTo ? `, In-Reply-To <${m.mail!.inReplyTo}>` : ''}`);
  }
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new Error(`missing ${what}`);
  return value;
}
