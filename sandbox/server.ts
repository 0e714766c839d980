import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { channelBodies, loadAccounts } from './accounts.js';
import { Changes } from './changes.js';
import { controlApi } from './control-api.js';
import { GatewayPoster } from './gateway-poster.js';
import { HelpdeskInbox } from './helpdesk-inbox.js';
import { Phones } from './phones.js';
import { EmailSimulator } from './providers/email/simulator.js';
import { graphApi } from './providers/meta/graph-api.js';
import { MessengerSimulator } from './providers/messenger/simulator.js';
import type { ProviderSimulator } from './providers/provider.js';
import { WhatsAppCloudSimulator } from './providers/whatsapp-cloud/simulator.js';
import { TemplateCatalog } from './providers/whatsapp-cloud/templates.js';
import { WhatsAppTwilioSimulator } from './providers/whatsapp-twilio/simulator.js';
import { StatusTimeline } from './status-timeline.js';
import type { ChannelBody, ProviderType } from './view.js';
import { pageAssets } from './web/assets.js';
import { shopPage } from './web/shop.js';

export interface SandboxOptions {
  /** 0: any free port. */
  port?: number;
  /** The business mailbox's IMAP server and the SMTP server it sends through; any free port by default. */
  imapPort?: number;
  smtpPort?: number;
  host?: string;
  /** Keeps the accounts (and their connected webhook URLs) across runs; in memory without one. */
  accountsFile?: string;
  /** Where the gateway is reached when that is not the origin of its webhook URLs. */
  gatewayUrl?: string;
  /** Time between a message's steps (accepted, sent, delivered): long enough to watch in the page. */
  stepMs?: number;
  /** Starts with one customer per provider (the page's first phones). */
  seedCustomers?: boolean;
}

export interface Sandbox {
  url: string;
  /** The accounts as the gateway's `POST /v1/channels` takes them. */
  channels(): ChannelBody[];
  /** Sends requests for the gateway here from now on (see SandboxOptions.gatewayUrl). */
  deliverTo(gatewayUrl: string): void;
  close(): Promise<void>;
}

/** One customer per provider to start with: names and numbers as in the providers' examples. */
const FIRST_CUSTOMERS: Array<[ProviderType, string, string]> = [
  ['whatsapp-cloud', 'Ana Lima', '15551230001'],
  ['whatsapp-twilio', 'Kerry Fisher', '+16505551234'],
  ['messenger', 'Sam Rivera', '6934512283318745'],
  ['email', 'Casey Brown', 'casey@example.net'],
];

/**
 * Starts the provider sandbox: the providers' APIs at the root (Graph under /<version>/, Twilio
 * under /2010-04-01/), the sandbox's own API under /sandbox, the helpdesk inbox under
 * /helpdesk/webhooks, the page at /, a shop's page embedding the gateway's web chat at /shop;
 * and the business mailbox's IMAP and SMTP servers.
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const changes = new Changes();
  const phones = new Phones(changes);
  const accounts = await loadAccounts(opts.accountsFile);
  const poster = new GatewayPoster(opts.gatewayUrl);
  const stepMs = opts.stepMs ?? 800;
  const timeline = new StatusTimeline(phones, stepMs);
  const helpdesk = new HelpdeskInbox(changes, accounts.helpdeskSecrets);
  const common = { phones, timeline, poster, accounts };
  const whatsappCloud = new WhatsAppCloudSimulator({ ...common, templates: await TemplateCatalog.shipped(), reviewMs: stepMs * 3 });
  const twilio = new WhatsAppTwilioSimulator(common);
  const messenger = new MessengerSimulator(common);
  const email = new EmailSimulator({ phones, changes, timeline, accounts });
  const host = opts.host ?? '127.0.0.1';
  await email.listen(host, opts.imapPort ?? 0, opts.smtpPort ?? 0);
  const providers = new Map<ProviderType, ProviderSimulator>([whatsappCloud, twilio, messenger, email].map((p) => [p.type, p]));
  const channels = () => channelBodies(accounts, email.mailServers);
  if (opts.seedCustomers ?? true) for (const [type, name, address] of FIRST_CUSTOMERS) phones.add(type, name, address);

  let url = '';
  const app = express();
  app.disable('x-powered-by');
  app.use(graphApi([whatsappCloud, messenger]));
  app.use(twilio.api);
  app.use(
    '/sandbox',
    controlApi({ phones, providers, timeline, helpdesk, accounts, accountsFile: opts.accountsFile, changes, channels, mailbox: () => email.mailbox, baseUrl: () => url }),
  );
  app.post('/helpdesk/webhooks', express.raw({ type: () => true, limit: '5mb' }), (req, res) => {
    res.status(helpdesk.receive(req.headers, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0))).end();
  });
  app.get('/shop', shopPage);
  app.use(await pageAssets());

  const server: Server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port ?? 4010, host, (err) => (err ? reject(err) : resolve(s)));
  }).catch(async (err: unknown) => {
    await email.close();
    throw err;
  });
  const address = server.address() as AddressInfo;
  url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url,
    channels,
    deliverTo: (gatewayUrl) => (poster.gatewayUrl = gatewayUrl),
    async close() {
      timeline.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await email.close();
    },
  };
}
