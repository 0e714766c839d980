import { loadTemplateDefinitions } from '../../templates/loader.js';
import type { ResolvedChannel } from '../channels/channel-service.js';
import type { InboundEvent } from '../domain/inbound-event.js';
import type { TemplateDefinition } from '../domain/template.js';
import type { Outbox } from '../events/outbox.js';
import { templateToApi } from '../http/serializers.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';

/** The templates each channel may send, with their provider status. */
export class TemplateRegistry {
  constructor(
    private readonly store: Store,
    private readonly outbox: Outbox,
  ) {}

  async find(channelId: ChannelDoc['_id'], name: string, language: string): Promise<TemplateDefinition | undefined> {
    const doc = await this.store.templates.findOne({ channelId, name, language }).lean();
    return doc ?? undefined;
  }

  /** Seeds a new channel from the definitions under templates/<type>/. */
  async seedFromFiles(channel: ChannelDoc): Promise<number> {
    const definitions = await loadTemplateDefinitions(channel.type);
    for (const d of definitions) await this.upsert(channel, d, 'file', false);
    return definitions.length;
  }

  /** Replaces what the registry knows with the provider's own list. */
  async syncFromProvider({ doc, connector, access }: ResolvedChannel): Promise<number> {
    if (!connector.listTemplates) return 0;
    const definitions = await connector.listTemplates(access);
    for (const d of definitions) await this.upsert(doc, d, 'provider', true);
    return definitions.length;
  }

  /** A status change the provider announced (approved, rejected, paused ...). */
  async applyStatus(channel: ChannelDoc, event: Extract<InboundEvent, { kind: 'template_status' }>): Promise<void> {
    const updated = await this.store.templates
      .findOneAndUpdate(
        { channelId: channel._id, name: event.name, language: event.language },
        {
          $set: {
            status: event.status,
            statusReason: event.reason,
            ...(event.providerTemplateId && { providerTemplateId: event.providerTemplateId }),
          },
        },
        { new: true },
      )
      .lean();
    await this.outbox.emit({
      type: 'template.status_updated',
      workspaceId: channel.workspaceId,
      key: `${String(channel._id)}-${event.name}-${event.language}-${event.status}-${event.providerTemplateId ?? ''}`,
      data: updated
        ? { template: templateToApi(updated) }
        : { template: { channelId: String(channel._id), name: event.name, language: event.language, status: event.status, known: false } },
    });
  }

  /** File definitions never overwrite what the provider said. */
  private async upsert(channel: ChannelDoc, d: TemplateDefinition, source: 'file' | 'provider', overwrite: boolean) {
    const fields = {
      category: d.category,
      status: d.status,
      components: d.components,
      providerTemplateId: d.providerTemplateId,
      contentSid: d.contentSid,
      source,
    };
    await this.store.templates.updateOne(
      { channelId: channel._id, name: d.name, language: d.language },
      overwrite
        ? { $set: fields, $setOnInsert: { workspaceId: channel.workspaceId } }
        : { $setOnInsert: { workspaceId: channel.workspaceId, ...fields } },
      { upsert: true },
    );
  }
}
