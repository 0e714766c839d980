import { randomBytes } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { Accounts } from '../../accounts.js';
import type { GatewayPoster } from '../../gateway-poster.js';
import type { Phones } from '../../phones.js';
import type { StatusTimeline } from '../../status-timeline.js';
import type { CustomerView, FailurePreset, GatewayAnswer, PhoneMessage } from '../../view.js';
import { failureById, type ProviderSimulator, type ReportedStatus } from '../provider.js';
import { twilioSignature } from './signature.js';

/** Twilio's codes (https://www.twilio.com/docs/api/errors). */
const FAILURES: readonly FailurePreset[] = [
  { id: 'undelivered', label: 'Undelivered: accepted, then reported undelivered', stage: 'delivery', code: '63024', title: 'Invalid message recipient' },
  { id: 'invalid-number', label: "Refused by the API: invalid 'To' number", stage: 'api', code: '21211', title: "Invalid 'To' Phone Number" },
  { id: 'rate-limited', label: 'Rate limited once (the gateway retries)', stage: 'api', code: '20429', title: 'Too Many Requests' },
];

const API_VERSION = '2010-04-01';
const PREFIX = 'whatsapp:';

export interface WhatsAppTwilioDeps {
  phones: Phones;
  timeline: StatusTimeline;
  poster: GatewayPoster;
  accounts: Accounts;
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
/** Twilio's dates: RFC 2822 with a numeric zone. */
const twilioDate = (d = new Date()) => d.toUTCString().replace('GMT', '+0000');

/**
 * WhatsApp through Twilio's Programmable Messaging: `POST /2010-04-01/Accounts/<sid>/Messages.json`
 * (Basic auth, form fields), status callbacks to the send's `StatusCallback`, the customer's
 * messages to the sender's webhook URL; every webhook form-encoded and signed with X-Twilio-Signature.
 */
export class WhatsAppTwilioSimulator implements ProviderSimulator {
  readonly type = 'whatsapp-twilio';
  readonly label = 'WhatsApp (Twilio)';
  readonly failures = FAILURES;
  readonly acceptedAs = 'accepted';

  constructor(private readonly deps: WhatsAppTwilioDeps) {}

  private get account() {
    return this.deps.accounts.twilio;
  }

  get accountId(): string {
    return this.account.sender;
  }

  get api(): Router {
    const router = Router();
    router.post(`/${API_VERSION}/Accounts/:accountSid/Messages.json`, express.urlencoded({ extended: false }), (req, res) => this.send(req, res));
    return router;
  }

  async customerWrites(customer: CustomerView, body: string): Promise<PhoneMessage> {
    const messageSid = sid('SM');
    const fields = {
      SmsMessageSid: messageSid,
      NumMedia: '0',
      ProfileName: customer.name,
      MessageType: 'text',
      SmsSid: messageSid,
      WaId: customer.address.replace(/^\+/, ''),
      SmsStatus: 'received',
      Body: body,
      To: `${PREFIX}${this.account.sender}`,
      NumSegments: '1',
      ReferralNumMedia: '0',
      MessageSid: messageSid,
      AccountSid: this.account.accountSid,
      From: `${PREFIX}${customer.address}`,
      ApiVersion: API_VERSION,
    };
    const message = this.deps.phones.record(customer, { id: messageSid, from: 'customer', at: new Date().toISOString(), text: body, wire: fields });
    const answer = await this.post(this.deps.accounts.webhooks['whatsapp-twilio'], fields);
    this.deps.phones.update(message, (m) => (m.gateway = answer));
    return message;
  }

  report(customer: CustomerView, message: PhoneMessage, status: ReportedStatus, failure?: FailurePreset): Promise<GatewayAnswer> {
    const twilioStatus = status === 'failed' ? 'undelivered' : status;
    const fields: Record<string, string> = {
      ChannelPrefix: 'whatsapp',
      ApiVersion: API_VERSION,
      MessageStatus: twilioStatus,
      SmsSid: message.id,
      SmsStatus: twilioStatus,
      ChannelInstallSid: `XE${this.account.accountSid.slice(2)}`,
      To: `${PREFIX}${customer.address}`,
      From: `${PREFIX}${this.account.sender}`,
      MessageSid: message.id,
      ...((status === 'delivered' || status === 'read') && { EventType: status.toUpperCase() }),
      ...(failure && { ErrorCode: failure.code, ErrorMessage: failure.title }),
      StructuredMessage: 'false',
      AccountSid: this.account.accountSid,
      // Twilio masks the recipient's last digits here.
      ChannelToAddress: customer.address.replace(/\d{4}$/, 'XXXX'),
    };
    return this.post(statusCallbackOf(message), fields);
  }

  async reportRead(customer: CustomerView, messages: PhoneMessage[]): Promise<GatewayAnswer> {
    let last: GatewayAnswer = {};
    for (const message of messages) last = await this.report(customer, message, 'read');
    return last;
  }

  private send(req: Request, res: Response): void {
    const fields = (req.body ?? {}) as Record<string, string>;
    const { accountSid, authToken, sender } = this.account;
    if (req.params.accountSid !== accountSid || req.headers.authorization !== `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`) {
      twilioError(res, 401, '20003', 'Authenticate');
      return;
    }
    const to = fields.To ?? '';
    if (!/^whatsapp:\+[1-9]\d{6,14}$/.test(to)) {
      twilioError(res, 400, '21211', `Invalid 'To' Phone Number: ${to}`);
      return;
    }
    if (!fields.MessagingServiceSid && fields.From !== `${PREFIX}${sender}`) {
      twilioError(res, 400, '63007', 'Twilio could not find a Channel with the specified From address');
      return;
    }
    const { phones, timeline } = this.deps;
    const customer = phones.findOrAdd('whatsapp-twilio', to.slice(PREFIX.length));
    const failure = failureById(this, phones.takeFailure(customer));
    const now = new Date();
    const shown = renderSend(fields);
    if (failure?.stage === 'api') {
      phones.record(customer, { id: `refused-${now.getTime()}`, from: 'business', at: now.toISOString(), text: shown, wire: fields, status: 'failed', steps: [], error: { code: failure.code, title: failure.title } });
      twilioError(res, failure.code === '20429' ? 429 : 400, failure.code, failure.title);
      return;
    }
    const messageSid = sid('SM');
    const message = phones.record(customer, { id: messageSid, from: 'business', at: now.toISOString(), text: shown, wire: fields, status: 'accepted', steps: [{ status: 'accepted', at: now.toISOString() }] });
    const uri = `/${API_VERSION}/Accounts/${accountSid}/Messages/${messageSid}`;
    res.status(201).json({
      account_sid: accountSid,
      api_version: API_VERSION,
      body: fields.Body ?? '',
      date_created: twilioDate(now),
      date_sent: null,
      date_updated: twilioDate(now),
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: fields.From ?? null,
      messaging_service_sid: fields.MessagingServiceSid ?? null,
      num_media: String(mediaUrlsOf(fields).length),
      num_segments: '1',
      price: null,
      price_unit: null,
      sid: messageSid,
      status: 'queued',
      subresource_uris: { media: `${uri}/Media.json` },
      to,
      uri: `${uri}.json`,
    });
    timeline.follow(this, customer, message, failure);
  }

  private post(url: string | undefined, fields: Record<string, string>): Promise<GatewayAnswer> {
    if (!url) return Promise.resolve({ error: 'no webhook URL: connect the sender to the gateway first' });
    return this.deps.poster.post(url, new URLSearchParams(fields).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'TwilioProxy/1.1',
      'x-twilio-signature': twilioSignature(this.account.authToken, url, fields),
    });
  }
}

function statusCallbackOf(message: PhoneMessage): string | undefined {
  const fields = message.wire as Record<string, string>;
  return fields.StatusCallback;
}

/** MediaUrl may be repeated, one per medium: the form parser then gives a list. */
function mediaUrlsOf(fields: Record<string, unknown>): unknown[] {
  return Object.entries(fields)
    .filter(([name]) => /^MediaUrl\d*$/.test(name))
    .flatMap(([, url]) => (Array.isArray(url) ? url : [url]));
}

/** A Messages.json send as the customer's WhatsApp shows it: the body, a Content template, media links. */
function renderSend(fields: Record<string, string>): string {
  const template = fields.ContentSid ? `[template ${fields.ContentSid}] ${fields.ContentVariables ?? ''}` : undefined;
  return [template, fields.Body, ...mediaUrlsOf(fields).map((url) => `[media] ${String(url)}`)].filter(Boolean).join('\n');
}

/** Twilio's REST error body. */
function twilioError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ code: Number(code), message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}
