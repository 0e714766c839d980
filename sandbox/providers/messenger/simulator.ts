import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Accounts } from '../../accounts.js';
import type { GatewayPoster } from '../../gateway-poster.js';
import { text } from '../../json.js';
import type { Phones } from '../../phones.js';
import type { StatusTimeline } from '../../status-timeline.js';
import type { CustomerView, FailurePreset, GatewayAnswer, PhoneMessage } from '../../view.js';
import type { GraphAccount } from '../meta/graph-api.js';
import { authorized, graphError } from '../meta/graph-errors.js';
import { postMetaWebhook } from '../meta/webhook.js';
import { failureById, type ProviderSimulator, type ReportedStatus } from '../provider.js';
import { renderSend } from './render.js';

/**
 * Meta's Send API codes (https://developers.facebook.com/docs/messenger-platform/error-codes).
 * Messenger reports no failure after accepting a message: every failure is the API's answer.
 */
const FAILURES: readonly FailurePreset[] = [
  { id: 'unavailable', label: "Refused by the API: this person isn't available", stage: 'api', code: '551', title: "This person isn't available right now." },
  { id: 'window-closed', label: 'Refused by the API: outside the allowed window', stage: 'api', code: '10', title: 'This message is sent outside of allowed window.' },
  { id: 'rate-limited', label: 'Rate limited once (the gateway retries)', stage: 'api', code: '613', title: 'Calls to this api have exceeded the rate limit.' },
];
/** The subcodes Meta gives with these codes. */
const SUBCODES: Record<string, number> = { '551': 1545041, '10': 2018278 };

export interface MessengerDeps {
  phones: Phones;
  timeline: StatusTimeline;
  poster: GatewayPoster;
  accounts: Accounts;
}

/** A Messenger message id: `m_` and an opaque base64url string. */
const mid = () => `m_${randomBytes(48).toString('base64url')}`;

/**
 * Facebook Messenger through the Messenger Platform: the Send API (`POST /<page id>/messages`,
 * `/message_attachments`), webhooks with the customer's messages and the delivery and read
 * watermarks, signed with the app secret. A message the Send API takes is sent; there is no `sent` callback.
 */
export class MessengerSimulator implements ProviderSimulator, GraphAccount {
  readonly type = 'messenger';
  readonly label = 'Messenger';
  readonly failures = FAILURES;
  readonly acceptedAs = 'sent';

  constructor(private readonly deps: MessengerDeps) {}

  private get account() {
    return this.deps.accounts.messenger;
  }

  get accountId(): string {
    return this.account.pageId;
  }

  get ids(): string[] {
    return [this.account.pageId, 'me'];
  }

  async handle(method: string, edge: string, req: Request, res: Response): Promise<boolean> {
    if (method !== 'POST' || (edge !== 'messages' && edge !== 'message_attachments')) return false;
    if (!authorized(req, res, this.account.pageAccessToken)) return true;
    if (edge === 'messages') this.send(req, res);
    else res.json({ attachment_id: String(Date.now()) });
    return true;
  }

  async customerWrites(customer: CustomerView, body: string): Promise<PhoneMessage> {
    const id = mid();
    const payload = this.webhook(customer, { timestamp: Date.now(), message: { mid: id, text: body } });
    const message = this.deps.phones.record(customer, { id, from: 'customer', at: new Date().toISOString(), text: body, wire: payload });
    const answer = await this.post(payload);
    this.deps.phones.update(message, (m) => (m.gateway = answer));
    return message;
  }

  report(customer: CustomerView, message: PhoneMessage, status: ReportedStatus): Promise<GatewayAnswer> {
    if (status !== 'delivered') return Promise.resolve({});
    const now = Date.now();
    return this.post(this.webhook(customer, { timestamp: now, delivery: { mids: [message.id], watermark: now } }));
  }

  /** One read watermark: everything the Page sent before it was read. */
  reportRead(customer: CustomerView): Promise<GatewayAnswer> {
    const now = Date.now();
    return this.post(this.webhook(customer, { timestamp: now, read: { watermark: now } }));
  }

  private send(req: Request, res: Response): void {
    const body: unknown = req.body;
    const psid = text(body, 'recipient', 'id');
    if (!psid) {
      graphError(res, 400, { code: 100, message: 'The parameter recipient is required' });
      return;
    }
    const { phones, timeline } = this.deps;
    const customer = phones.findOrAdd('messenger', psid);
    const at = new Date().toISOString();
    const shown = renderSend(body);
    // Reactions are sender actions: answered without a message id, nothing to follow.
    if (text(body, 'sender_action')) {
      phones.record(customer, { id: `action-${Date.now()}`, from: 'business', at, text: shown, wire: body });
      res.json({ recipient_id: psid });
      return;
    }
    const failure = failureById(this, phones.takeFailure(customer));
    if (failure) {
      phones.record(customer, { id: `refused-${Date.now()}`, from: 'business', at, text: shown, wire: body, status: 'failed', steps: [], error: { code: failure.code, title: failure.title } });
      graphError(res, 400, { code: failure.code, message: failure.title, subcode: SUBCODES[failure.code] });
      return;
    }
    const id = mid();
    const message = phones.record(customer, { id, from: 'business', at, text: shown, wire: body, status: 'sent', steps: [{ status: 'sent', at }] });
    res.json({ recipient_id: psid, message_id: id });
    timeline.follow(this, customer, message);
  }

  private webhook(customer: CustomerView, event: Record<string, unknown>) {
    const { pageId } = this.account;
    return { object: 'page', entry: [{ id: pageId, time: Date.now(), messaging: [{ sender: { id: customer.address }, recipient: { id: pageId }, ...event }] }] };
  }

  private post(payload: unknown): Promise<GatewayAnswer> {
    return postMetaWebhook(this.deps.poster, this.deps.accounts.webhooks.messenger, payload, this.account.appSecret);
  }
}
