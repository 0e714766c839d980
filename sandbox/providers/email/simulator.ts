import type { Accounts, MailServers } from '../../accounts.js';
import type { Changes } from '../../changes.js';
import { startImapServer, type ImapServer } from '../../mail/imap-server.js';
import { MailStore, type StoredMail } from '../../mail/mail-store.js';
import { startSmtpReceiver, type ReceivedEnvelope, type SmtpReceiver, type SmtpRefusal } from '../../mail/smtp-receiver.js';
import type { Phones } from '../../phones.js';
import type { StatusTimeline } from '../../status-timeline.js';
import type { CustomerView, FailurePreset, GatewayAnswer, MailboxView, MailDraft, MailHeaders, PhoneMessage } from '../../view.js';
import { failureById, type ProviderSimulator, type ReportedStatus } from '../provider.js';
import { customerMail, deliveryReport, readMail } from './compose.js';

/** SMTP replies (RFC 5321, enhanced codes RFC 3463) and a bounce, as mail servers give them. */
const FAILURES: readonly FailurePreset[] = [
  { id: 'unknown-recipient', label: 'Refused by the SMTP server: no such mailbox', stage: 'api', code: '550', title: '5.1.1 Recipient address rejected: User unknown' },
  { id: 'greylisted', label: 'Deferred once by the SMTP server (the gateway retries)', stage: 'api', code: '451', title: '4.7.1 Greylisted, please try again later' },
  { id: 'bounce', label: 'Bounced: accepted, then a delivery report comes back', stage: 'delivery', code: '5.1.1', title: 'Recipient address rejected: User unknown' },
];
/** The first subject words of a mail written without one. */
const SUBJECT_WORDS = 8;

export interface EmailDeps {
  phones: Phones;
  changes: Changes;
  timeline: StatusTimeline;
  accounts: Accounts;
}

/**
 * Email: the business's mailbox on the sandbox's mail servers. A customer's mail goes into its
 * INBOX, which the gateway watches over IMAP; the gateway's answers come in over SMTP and show in
 * the customer's mailbox (the gateway's copies land in Sent). Mail reports nothing back: a mail
 * the SMTP server took is sent; a bounce, a delivery report in the INBOX, is the only failure
 * that comes later.
 */
export class EmailSimulator implements ProviderSimulator {
  readonly type = 'email';
  readonly label = 'Email';
  readonly failures = FAILURES;
  readonly acceptedAs = 'sent';
  private readonly store = new MailStore();
  /** The customer's mail by the stored copy, to show when the gateway fetched it. */
  private readonly written = new WeakMap<StoredMail, PhoneMessage>();
  private servers: { imap: ImapServer; smtp: SmtpReceiver; host: string } | undefined;

  constructor(private readonly deps: EmailDeps) {
    // The page shows the folders' counts.
    this.store.onAppend(() => deps.changes.notify());
    this.store.onFetch((_folder, stored) => {
      const message = this.written.get(stored);
      if (message && !message.fetchedAt) this.deps.phones.update(message, (m) => (m.fetchedAt = new Date().toISOString()));
    });
  }

  private get account() {
    return this.deps.accounts.email;
  }

  get accountId(): string {
    return this.account.address.toLowerCase();
  }

  /** Starts the mailbox's IMAP server and the SMTP server (0: any free port). */
  async listen(host: string, imapPort: number, smtpPort: number): Promise<void> {
    const { address, imapPassword, smtpPassword } = this.account;
    const imap = await startImapServer({
      store: this.store,
      host,
      port: imapPort,
      login: (user, password) => user.toLowerCase() === address.toLowerCase() && password === imapPassword,
      // The page shows whether the gateway watches the INBOX.
      onWatchersChanged: () => this.deps.changes.notify(),
    });
    const smtp = await startSmtpReceiver({
      host,
      port: smtpPort,
      login: (user, password) => user.toLowerCase() === address.toLowerCase() && password === smtpPassword,
      receive: (raw, envelope) => this.businessSends(raw, envelope),
    }).catch(async (err: unknown) => {
      await imap.close();
      throw err;
    });
    this.servers = { imap, smtp, host };
  }

  async close(): Promise<void> {
    await Promise.all([this.servers?.imap.close(), this.servers?.smtp.close()]);
  }

  /** Where the gateway's channel connects (wildcard listeners are reached on loopback). */
  get mailServers(): MailServers {
    const { imap, smtp, host } = this.need();
    return { host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, imapPort: imap.port, smtpPort: smtp.port };
  }

  get mailbox(): MailboxView {
    const { host, imapPort, smtpPort } = this.mailServers;
    return {
      address: this.account.address,
      imap: `${host}:${imapPort}`,
      smtp: `${host}:${smtpPort}`,
      folders: this.store.list().map((f) => ({ name: f.name, messages: f.messages.length })),
      watchers: this.need().imap.watching('INBOX'),
    };
  }

  async customerWrites(customer: CustomerView, body: string, draft: MailDraft = {}): Promise<PhoneMessage> {
    const mails = customer.messages.filter((m) => m.mail);
    const parent = draft.inReplyTo ? mails.find((m) => m.mail!.messageId === draft.inReplyTo) : draft.subject ? undefined : mails.at(-1);
    if (draft.inReplyTo && !parent) throw new Error(`No mail <${draft.inReplyTo}> in ${customer.name}'s mailbox`);
    const subject = draft.subject?.trim() || body.trim().split(/\s+/).slice(0, SUBJECT_WORDS).join(' ');
    const { raw, headers } = await customerMail({ name: customer.name, address: customer.address }, this.account.address, body, subject, parent?.mail);
    const message = this.deps.phones.record(customer, { id: headers.messageId, from: 'customer', at: new Date().toISOString(), text: body, wire: raw.toString('utf8'), mail: headers });
    this.written.set(this.store.append('INBOX', raw).mail, message);
    return message;
  }

  /** A bounce comes back to the business's INBOX; nothing else is reported (no callbacks in mail). */
  report(customer: CustomerView, message: PhoneMessage, status: ReportedStatus, failure?: FailurePreset): Promise<GatewayAnswer> {
    if (status === 'failed' && failure) this.store.append('INBOX', deliveryReport(Buffer.from(String(message.wire)), customer.address, this.account.address, failure));
    return Promise.resolve({});
  }

  /** Mail has no read receipts. */
  reportRead(): Promise<GatewayAnswer> {
    return Promise.resolve({});
  }

  /** The gateway submitted a mail: each recipient's mailbox shows it, or the recipient's pending failure refuses it. */
  private async businessSends(raw: Buffer, envelope: ReceivedEnvelope): Promise<SmtpRefusal | undefined> {
    const { text, headers } = await readMail(raw);
    const { phones, timeline } = this.deps;
    const at = new Date().toISOString();
    let refused: SmtpRefusal | undefined;
    for (const address of envelope.to.map((a) => a.toLowerCase())) {
      const customer = phones.findOrAdd('email', address);
      const mail: MailHeaders = { ...headers, thread: threadOf(customer, headers) };
      const failure = failureById(this, phones.takeFailure(customer));
      if (failure?.stage === 'api') {
        phones.record(customer, { id: `refused-${Date.now()}`, from: 'business', at, text, wire: raw.toString('utf8'), mail, status: 'failed', steps: [], error: { code: failure.code, title: failure.title } });
        refused ??= { code: Number(failure.code), message: failure.title };
        continue;
      }
      const message = phones.record(customer, { id: headers.messageId, from: 'business', at, text, wire: raw.toString('utf8'), mail, status: 'sent', steps: [{ status: 'sent', at }] });
      timeline.follow(this, customer, message, failure);
    }
    return refused;
  }

  private need() {
    if (!this.servers) throw new Error('The mail servers are not started');
    return this.servers;
  }
}

/** The thread of the customer's mail this one answers (In-Reply-To, else the newest of References), else its own. */
function threadOf(customer: CustomerView, headers: Omit<MailHeaders, 'thread'>): string {
  const cited = [headers.inReplyTo, ...[...headers.references].reverse()].filter((id): id is string => Boolean(id));
  for (const id of cited) {
    const parent = customer.messages.find((m) => m.mail?.messageId === id);
    if (parent) return parent.mail!.thread;
  }
  return headers.references[0] ?? headers.messageId;
}
