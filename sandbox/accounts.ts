import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChannelBody, ProviderType } from './view.js';

/**
 * The business's accounts at each provider, as the provider's console would hand them out: ids
 * and credentials the gateway's channels are connected with, and the webhook URL the business
 * pasted back; and the helpdesk inbox's secrets. Kept in a file when one is given, so channels
 * sealed with these secrets, and subscriptions to the inbox, keep working across restarts.
 */
export interface Accounts {
  whatsappCloud: { phoneNumberId: string; wabaId: string; displayPhoneNumber: string; accessToken: string; appSecret: string; verifyToken: string };
  twilio: { accountSid: string; authToken: string; sender: string };
  messenger: { pageId: string; pageAccessToken: string; appSecret: string; verifyToken: string };
  /** The business mailbox: its address is also its IMAP and SMTP login. */
  email: { address: string; displayName: string; imapPassword: string; smtpPassword: string };
  /** The gateway's webhook URL per provider, as connected. */
  webhooks: Partial<Record<ProviderType, string>>;
  /** The helpdesk inbox's signing secrets (the gateway's subscriptions outlive a sandbox restart). */
  helpdeskSecrets: string[];
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function generateAccounts(): Accounts {
  return {
    // The ids the demo has always used for its WhatsApp number, so an existing demo channel is found again.
    whatsappCloud: {
      phoneNumberId: '100000000000001',
      wabaId: '200000000000001',
      displayPhoneNumber: '15550100001',
      accessToken: `EAAG${hex(24)}`,
      appSecret: hex(16),
      verifyToken: hex(12),
    },
    // Twilio's own WhatsApp sandbox number.
    twilio: { accountSid: `AC${hex(16)}`, authToken: hex(16), sender: '+14155238886' },
    messenger: { pageId: '300000000000001', pageAccessToken: `EAAG${hex(24)}`, appSecret: hex(16), verifyToken: hex(12) },
    email: { address: 'support@shop.sandbox.test', displayName: 'Sandbox Shop', imapPassword: hex(12), smtpPassword: hex(12) },
    webhooks: {},
    helpdeskSecrets: [],
  };
}

/**
 * The accounts in `file`, created there on first use; fresh ones in memory without a file. A file
 * from before an account existed (the mailbox) gets one, written back.
 */
export async function loadAccounts(file: string | undefined): Promise<Accounts> {
  if (!file) return generateAccounts();
  let kept: Partial<Accounts> = {};
  try {
    kept = JSON.parse(await readFile(file, 'utf8')) as Partial<Accounts>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const generated = generateAccounts();
  const accounts = { ...generated, ...kept };
  if (Object.keys(generated).some((key) => !(key in kept))) await saveAccounts(file, accounts);
  return accounts;
}

/** Written whole and renamed into place, private to the user: the file holds credentials. */
export async function saveAccounts(file: string | undefined, accounts: Accounts): Promise<void> {
  if (!file) return;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(accounts, null, 2), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** Where the sandbox's mail servers listen: the mailbox's IMAP, and SMTP for what the business sends. */
export interface MailServers {
  host: string;
  imapPort: number;
  smtpPort: number;
}

/** Each account as the gateway's `POST /v1/channels` takes it. */
export function channelBodies(a: Accounts, mail: MailServers): ChannelBody[] {
  return [
    {
      type: 'whatsapp-cloud',
      name: 'Sandbox WhatsApp',
      settings: { phoneNumberId: a.whatsappCloud.phoneNumberId, wabaId: a.whatsappCloud.wabaId },
      secrets: { accessToken: a.whatsappCloud.accessToken, appSecret: a.whatsappCloud.appSecret, verifyToken: a.whatsappCloud.verifyToken },
      accountId: a.whatsappCloud.phoneNumberId,
    },
    {
      type: 'whatsapp-twilio',
      name: 'Sandbox WhatsApp (Twilio)',
      settings: { accountSid: a.twilio.accountSid, sender: a.twilio.sender },
      secrets: { authToken: a.twilio.authToken },
      accountId: a.twilio.sender,
    },
    {
      type: 'messenger',
      name: 'Sandbox Messenger',
      settings: { pageId: a.messenger.pageId },
      secrets: { pageAccessToken: a.messenger.pageAccessToken, appSecret: a.messenger.appSecret, verifyToken: a.messenger.verifyToken },
      accountId: a.messenger.pageId,
    },
    {
      type: 'email',
      name: 'Sandbox email',
      settings: {
        address: a.email.address,
        displayName: a.email.displayName,
        imap: { host: mail.host, port: mail.imapPort, secure: false, user: a.email.address },
        smtp: { host: mail.host, port: mail.smtpPort, secure: false, user: a.email.address },
      },
      secrets: { imapPassword: a.email.imapPassword, smtpPassword: a.email.smtpPassword },
      accountId: a.email.address.toLowerCase(),
    },
  ];
}
