import { randomInt } from 'node:crypto';
import express, { Router, type Response } from 'express';
import { saveAccounts, type Accounts } from './accounts.js';
import type { Changes } from './changes.js';
import type { HelpdeskInbox } from './helpdesk-inbox.js';
import { text } from './json.js';
import type { Phones } from './phones.js';
import type { ProviderSimulator } from './providers/provider.js';
import type { StatusTimeline } from './status-timeline.js';
import type { ChannelBody, CustomerView, MailboxView, ProviderType, SandboxView } from './view.js';

export interface ControlDeps {
  phones: Phones;
  providers: ReadonlyMap<ProviderType, ProviderSimulator>;
  timeline: StatusTimeline;
  helpdesk: HelpdeskInbox;
  accounts: Accounts;
  /** Where the accounts are kept, if anywhere: a connected webhook URL or a helpdesk secret is written there. */
  accountsFile: string | undefined;
  changes: Changes;
  /** The accounts as the gateway's channels. */
  channels: () => ChannelBody[];
  /** The business mailbox (email). */
  mailbox: () => MailboxView;
  /** The sandbox's own address, for the helpdesk URL it shows. */
  baseUrl: () => string;
}

/** Changes come in bursts (a message and its statuses): watchers are told at most this often. */
const NOTIFY_EVERY_MS = 100;
const HEARTBEAT_MS = 15_000;

/** A new customer's address where none is given: a test number, a Page-scoped id, a mail address at a documentation domain. */
const addressFor: Record<ProviderType, (name: string) => string> = {
  'whatsapp-cloud': () => `1555${randomInt(1_000_000, 10_000_000)}`,
  'whatsapp-twilio': () => `+1555${randomInt(1_000_000, 10_000_000)}`,
  messenger: () => `${randomInt(1_000_000, 10_000_000)}${randomInt(100_000_000, 1_000_000_000)}`,
  email: (name) => `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.|\.$/g, '') || 'customer'}.${randomInt(1000, 10_000)}@example.net`,
};

/**
 * The sandbox's own API under /sandbox (the page, the CLI and the tests use it): its state and a
 * stream of change notices, its accounts as channels to connect, and the customers' actions.
 */
export function controlApi(deps: ControlDeps): Router {
  const { phones, providers, timeline, helpdesk, accounts } = deps;
  const router = Router();
  router.use(express.json());
  const fail = (res: Response, status: number, message: string) => void res.status(status).json({ error: message });
  const customerOf = (id: string, res: Response): { customer: CustomerView; provider: ProviderSimulator } | undefined => {
    const customer = phones.get(id);
    const provider = customer && providers.get(customer.type);
    if (customer && provider) return { customer, provider };
    fail(res, 404, `No customer "${id}"`);
    return undefined;
  };

  const inboxView = (): SandboxView['helpdesk'] => ({ url: `${deps.baseUrl()}/helpdesk/webhooks`, secrets: helpdesk.secretCount, deliveries: helpdesk.deliveries });
  router.get('/state', (_req, res) => {
    const view: SandboxView = {
      accounts: [...providers.values()].map((p) => ({
        type: p.type,
        label: p.label,
        accountId: p.accountId,
        webhookUrl: accounts.webhooks[p.type] ?? null,
        failures: [...p.failures],
        ...(p.type === 'email' && { mailbox: deps.mailbox() }),
      })),
      customers: phones.list(),
      helpdesk: inboxView(),
    };
    res.json(view);
  });
  // The inbox alone: a load run reads it often, without every phone's messages.
  router.get('/helpdesk', (_req, res) => void res.json(inboxView()));

  router.get('/events', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write('event: change\ndata: {}\n\n');
    let pending: NodeJS.Timeout | undefined;
    const unsubscribe = deps.changes.subscribe(() => {
      pending ??= setTimeout(() => {
        pending = undefined;
        res.write('event: change\ndata: {}\n\n');
      }, NOTIFY_EVERY_MS);
    });
    const heartbeat = setInterval(() => res.write(': still here\n\n'), HEARTBEAT_MS);
    req.on('close', () => {
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(pending);
    });
  });

  router.get('/accounts', (_req, res) => void res.json({ channels: deps.channels() }));

  // The provider console's "callback URL" field: where this account's webhooks go.
  router.put('/accounts/:type/webhook', async (req, res) => {
    const type = req.params.type as ProviderType;
    const webhookUrl = text(req.body, 'webhookUrl');
    if (!providers.has(type)) return fail(res, 404, `No account of type "${type}"`);
    if (!webhookUrl || !URL.canParse(webhookUrl)) return fail(res, 400, 'Give {"webhookUrl": "<the channel\'s webhook URL>"}');
    accounts.webhooks[type] = webhookUrl;
    await saveAccounts(deps.accountsFile, accounts);
    deps.changes.notify();
    res.status(204).end();
  });

  router.post('/customers', (req, res) => {
    const type = text(req.body, 'type') as ProviderType;
    const name = text(req.body, 'name')?.trim();
    if (!providers.has(type) || !name) return fail(res, 400, `Give {"type": one of ${[...providers.keys()].join(', ')}, "name": "..."}`);
    res.status(201).json(phones.add(type, name, text(req.body, 'address') ?? addressFor[type](name)));
  });

  router.post('/customers/:id/messages', async (req, res) => {
    const found = customerOf(req.params.id, res);
    const words = text(req.body, 'text');
    if (!found) return;
    if (!words?.trim()) return fail(res, 400, 'Give {"text": "..."} (and for a mail, "subject" for a new thread or "inReplyTo": a Message-ID to answer)');
    const draft = { subject: text(req.body, 'subject'), inReplyTo: text(req.body, 'inReplyTo') };
    try {
      res.status(201).json(await found.provider.customerWrites(found.customer, words, draft));
    } catch (err) {
      fail(res, 400, (err as Error).message);
    }
  });

  router.post('/customers/:id/read', async (req, res) => {
    const found = customerOf(req.params.id, res);
    if (found) res.json({ read: await timeline.read(found.provider, found.customer) });
  });

  router.put('/customers/:id/next-failure', (req, res) => {
    const found = customerOf(req.params.id, res);
    if (!found) return;
    const failure = text(req.body, 'failure') ?? null;
    if (failure !== null && !found.provider.failures.some((f) => f.id === failure)) {
      return fail(res, 400, `Unknown failure "${failure}"; ${found.provider.label} has ${found.provider.failures.map((f) => f.id).join(', ')}`);
    }
    phones.update(found.customer, (c) => (c.nextFailure = failure));
    res.json(found.customer);
  });

  // Takes the gateway's answer to POST /v1/webhook-subscriptions as it is: its `secret` is the one needed.
  router.post('/helpdesk/secrets', async (req, res) => {
    const secret = text(req.body, 'secret');
    if (!secret?.startsWith('whsec_')) return fail(res, 400, 'Give {"secret": "whsec_..."} (the answer to POST /v1/webhook-subscriptions will do)');
    helpdesk.addSecret(secret);
    await saveAccounts(deps.accountsFile, accounts);
    res.status(204).end();
  });

  return router;
}
