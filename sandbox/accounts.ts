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
    webhooks: {},
    helpdeskSecrets: [],
  };
}

/** The accounts in `file`, created there on first use; fresh ones in memory without a file. */
export async function loadAccounts(file: string | undefined): Promise<Accounts> {
  if (!file) return generateAccounts();
  try {
    return { helpdeskSecrets: [], ...(JSON.parse(await readFile(file, 'utf8')) as Omit<Accounts, 'helpdeskSecrets'>) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const accounts = generateAccounts();
  await saveAccounts(file, accounts);
  return accounts;
}

/** Written whole and renamed into place, private to the user: the file holds credentials. */
export async function saveAccounts(file: string | undefined, accounts: Accounts): Promise<void> {
  if (!file) return;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(accounts, null, 2), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** Each account as the gateway's `POST /v1/channels` takes it. */
export function channelBodies(a: Accounts): ChannelBody[] {
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
  ];
}
