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
import type { TemplateCatalog, WabaTemplate } from './templates.js';
import { wamid } from './wamid.js';

/** Meta's codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes). */
const FAILURES: readonly FailurePreset[] = [
  { id: 'undeliverable', label: 'Undeliverable: accepted, then reported failed', stage: 'delivery', code: '131026', title: 'Message undeliverable' },
  { id: 'not-allowed', label: 'Refused by the API: recipient not allowed', stage: 'api', code: '131030', title: 'Recipient phone number not in allowed list' },
  { id: 'rate-limited', label: 'Rate limited once (the gateway retries)', stage: 'api', code: '130429', title: 'Rate limit hit' },
];

export interface WhatsAppCloudDeps {
  phones: Phones;
  timeline: StatusTimeline;
  poster: GatewayPoster;
  accounts: Accounts;
  templates: TemplateCatalog;
  /** How long Meta's review of a submitted template takes. */
  reviewMs: number;
}

const unixNow = () => String(Math.floor(Date.now() / 1000));

/**
 * WhatsApp through Meta's Cloud API: `POST /<phone number id>/messages` and `/media`, the WABA's
 * `message_templates`; webhooks with the customer's messages, message statuses and template
 * verdicts, signed with the app secret.
 */
export class WhatsAppCloudSimulator implements ProviderSimulator, GraphAccount {
  readonly type = 'whatsapp-cloud';
  readonly label = 'WhatsApp (Cloud API)';
  readonly failures = FAILURES;
  readonly acceptedAs = 'accepted';

  constructor(private readonly deps: WhatsAppCloudDeps) {}

  private get account() {
    return this.deps.accounts.whatsappCloud;
  }

  get accountId(): string {
    return this.account.phoneNumberId;
  }

  get ids(): string[] {
    return [this.account.phoneNumberId, this.account.wabaId];
  }

  async handle(method: string, edge: string, req: Request, res: Response): Promise<boolean> {
    const onNumber = req.params.id === this.account.phoneNumberId;
    const route = `${method} ${onNumber ? 'number' : 'waba'}/${edge}`;
    if (!['POST number/messages', 'POST number/media', 'GET waba/message_templates', 'POST waba/message_templates', 'DELETE waba/message_templates'].includes(route)) return false;
    if (!authorized(req, res, this.account.accessToken)) return true;
    if (route === 'POST number/messages') this.send(req, res);
    else if (route === 'POST number/media') res.json({ id: String(Date.now()) + String(Math.floor(Math.random() * 1000)) });
    else if (route === 'GET waba/message_templates') res.json({ data: this.deps.templates.all(), paging: { cursors: { before: 'MAZDZD', after: 'MjQZD' } } });
    else if (route === 'POST waba/message_templates') this.submitTemplate(req, res);
    else res.json({ success: this.deps.templates.remove(String(req.query.name ?? '')) > 0 });
    return true;
  }

  async customerWrites(customer: CustomerView, body: string): Promise<PhoneMessage> {
    const id = wamid(customer.address);
    const payload = this.webhook({
      contacts: [{ profile: { name: customer.name }, wa_id: customer.address }],
      messages: [{ from: customer.address, id, timestamp: unixNow(), type: 'text', text: { body } }],
    });
    const message = this.deps.phones.record(customer, { id, from: 'customer', at: new Date().toISOString(), text: body, wire: payload });
    const answer = await this.post(payload);
    this.deps.phones.update(message, (m) => (m.gateway = answer));
    return message;
  }

  report(customer: CustomerView, message: PhoneMessage, status: ReportedStatus, failure?: FailurePreset): Promise<GatewayAnswer> {
    return this.post(this.webhook({ statuses: [this.statusOf(customer, message, status, failure)] }));
  }

  reportRead(customer: CustomerView, messages: PhoneMessage[]): Promise<GatewayAnswer> {
    return this.post(this.webhook({ statuses: messages.map((m) => this.statusOf(customer, m, 'read')) }));
  }

  private send(req: Request, res: Response): void {
    const body: unknown = req.body;
    if (text(body, 'messaging_product') !== 'whatsapp') {
      graphError(res, 400, { code: 100, message: 'The parameter messaging_product is required.' });
      return;
    }
    const to = text(body, 'recipient') ?? text(body, 'to')?.replace(/\D/g, '');
    if (!to) {
      graphError(res, 400, { code: 100, message: 'The parameter to is required.' });
      return;
    }
    const { phones, timeline, templates } = this.deps;
    const customer = phones.findOrAdd('whatsapp-cloud', to);
    const failure = failureById(this, phones.takeFailure(customer));
    const now = new Date().toISOString();
    const shown = renderSend(body, templates);
    if (failure?.stage === 'api') {
      phones.record(customer, { id: `refused-${Date.now()}`, from: 'business', at: now, text: shown, wire: body, status: 'failed', steps: [], error: { code: failure.code, title: failure.title } });
      graphError(res, 400, { code: failure.code, message: failure.title, details: failure.title, whatsapp: true });
      return;
    }
    const id = wamid(to);
    const message = phones.record(customer, { id, from: 'business', at: now, text: shown, wire: body, status: 'accepted', steps: [{ status: 'accepted', at: now }] });
    res.json({
      messaging_product: 'whatsapp',
      contacts: [{ input: text(body, 'to') ?? to, wa_id: to }],
      messages: [{ id, ...(text(body, 'type') === 'template' && { message_status: 'accepted' }) }],
    });
    timeline.follow(this, customer, message, failure);
  }

  /** Taken for review: PENDING now, APPROVED by webhook once "reviewed". */
  private submitTemplate(req: Request, res: Response): void {
    const name = text(req.body, 'name');
    const language = text(req.body, 'language');
    const category = text(req.body, 'category') ?? 'UTILITY';
    if (!name || !language) {
      graphError(res, 400, { code: 100, message: 'Invalid parameter', details: 'name and language are required' });
      return;
    }
    const components = Array.isArray(req.body.components) ? (req.body.components as Array<Record<string, unknown>>) : [];
    const template = this.deps.templates.add({ name, language, category, status: 'PENDING', components });
    res.json({ id: template.id, status: 'PENDING', category });
    setTimeout(() => void this.approve(template), this.deps.reviewMs);
  }

  private approve(template: WabaTemplate): Promise<GatewayAnswer> {
    this.deps.templates.setStatus(template, 'APPROVED');
    const value = {
      event: 'APPROVED',
      message_template_id: Number(template.id),
      message_template_name: template.name,
      message_template_language: template.language,
      reason: 'NONE',
      message_template_category: template.category,
    };
    return this.post({ object: 'whatsapp_business_account', entry: [{ id: this.account.wabaId, time: Number(unixNow()), changes: [{ value, field: 'message_template_status_update' }] }] });
  }

  private statusOf(customer: CustomerView, message: PhoneMessage, status: ReportedStatus, failure?: FailurePreset) {
    const category = text(message.wire, 'type') === 'template' ? 'utility' : 'service';
    return {
      id: message.id,
      status,
      timestamp: unixNow(),
      recipient_id: customer.address,
      ...(status === 'sent' && { conversation: { id: message.id.slice(-32), origin: { type: category } } }),
      ...((status === 'sent' || status === 'delivered') && { pricing: { billable: true, pricing_model: 'PMP', category, type: category === 'service' ? 'free_customer_service' : 'regular' } }),
      ...(failure && {
        errors: [
          {
            code: Number(failure.code),
            title: failure.title,
            message: failure.title,
            error_data: { details: failure.title },
            href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
          },
        ],
      }),
    };
  }

  /** A `messages` change of the business number. */
  private webhook(value: Record<string, unknown>) {
    const metadata = { display_phone_number: this.account.displayPhoneNumber, phone_number_id: this.account.phoneNumberId };
    return { object: 'whatsapp_business_account', entry: [{ id: this.account.wabaId, changes: [{ value: { messaging_product: 'whatsapp', metadata, ...value }, field: 'messages' }] }] };
  }

  private post(payload: unknown): Promise<GatewayAnswer> {
    return postMetaWebhook(this.deps.poster, this.deps.accounts.webhooks['whatsapp-cloud'], payload, this.account.appSecret);
  }
}
