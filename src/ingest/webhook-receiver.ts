import type { HttpReply, WebhookRequest } from '../../connectors/contract.js';
import { InvalidPayloadError } from '../../connectors/contract.js';
import type { InboundEvent } from '../domain/inbound-event.js';
import type { ChannelService } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { RawEventRecorder } from './raw-event-recorder.js';

/**
 * The acknowledged-means-recorded step for provider webhooks. A request is verified, checked
 * to be readable, recorded; only then is it acknowledged. Any failure before that is a 5xx, so
 * the provider retries.
 */
export class WebhookReceiver {
  constructor(
    private readonly recorder: RawEventRecorder,
    private readonly channels: ChannelService,
    private readonly clock: Clock,
  ) {}

  async handshake(type: string, channelId: string, req: WebhookRequest): Promise<HttpReply> {
    const { connector, access } = await this.channels.resolveForWebhook(type, channelId);
    if (!connector.handshake) throw new AppError(405, 'method_not_allowed', 'This channel has no verification handshake');
    return connector.handshake(req, access);
  }

  /**
   * A provider's webhook (`/webhooks/<connector>/<channelId>`). A channel whose provider is the
   * gateway (web chat) takes none: its events come through its own API, with its checks (a
   * visitor's files, origins, limits), which a request here would go around.
   */
  async receiveWebhook(type: string, channelId: string, req: WebhookRequest): Promise<HttpReply> {
    const resolved = await this.channels.resolveForWebhook(type, channelId);
    // As if there were no such channel: nothing here is meant for it.
    if (resolved.connector.capabilities.gatewayIsProvider) throw new AppError(404, 'unknown_channel', 'No such channel');
    return this.record(resolved, req);
  }

  /** An event the gateway's own API wrote for a channel it is the provider of (the web chat's visitor API). */
  async receiveFromOwnApi(type: string, channelId: string, req: WebhookRequest): Promise<HttpReply> {
    return this.record(await this.channels.resolveForWebhook(type, channelId), req);
  }

  private async record({ connector, access, doc }: Awaited<ReturnType<ChannelService['resolveForWebhook']>>, req: WebhookRequest): Promise<HttpReply> {
    const receivedAt = this.clock.now();
    if (!connector.verify({ ...req, receivedAt }, access)) throw new AppError(401, 'invalid_signature', 'The request signature is missing or does not match');
    let events: InboundEvent[];
    try {
      events = await connector.parse({ ...req, receivedAt });
    } catch (err) {
      if (err instanceof InvalidPayloadError) throw new AppError(400, 'invalid_payload', err.message, err.details);
      throw err;
    }
    try {
      await this.recorder.record(doc, req.rawBody, String(req.headers['content-type'] ?? ''), events);
    } catch (err) {
      throw new AppError(503, 'not_recorded', 'The event could not be recorded; retry later', undefined, err);
    }
    return connector.ackReply;
  }
}
