import { Types } from 'mongoose';
import { ProviderRequestError } from '../../connectors/contract.js';
import { loadTemplateDefinitions } from './definition-files.js';
import type { ResolvedChannel } from '../channels/channel-service.js';
import type { InboundEvent } from '../domain/inbound-event.js';
import type { TemplateComponentDefinition, TemplateDefinition } from '../domain/template.js';
import { AppError, conflict, notFound, unlessTaken, unprocessable } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import { templateToApi } from '../representation/public-records.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import type { TemplateDoc } from '../store/models/template.js';

export type TemplateSubmission = Pick<TemplateDefinition, 'name' | 'language' | 'category' | 'components'>;

/** A provider's refusal is the caller's to fix (422); anything else is the provider failing us (502). */
function providerFailure(err: unknown): unknown {
  if (!(err instanceof ProviderRequestError)) return err;
  return err.outcome === 'final'
    ? unprocessable('provider_refused', err.message, { providerCode: err.code })
    : new AppError(502, 'provider_error', err.message, { providerCode: err.code });
}

/**
 * Components as the registry keeps them: without Meta's `example` values, which only serve the
 * provider's review, are never needed to send, and hold nested arrays some stores refuse.
 */
function storable(components: TemplateComponentDefinition[]): TemplateComponentDefinition[] {
  return components.map((c) => {
    const { example: _example, ...kept } = c as TemplateComponentDefinition & { example?: unknown };
    return kept;
  });
}

/** The templates each channel may send, with their provider status. */
export class TemplateRegistry {
  constructor(
    private readonly store: Store,
    private readonly outbox: Outbox,
  ) {}

  /** A channel's templates by name, then language. */
  list(channelId: ChannelDoc['_id']): Promise<TemplateDoc[]> {
    return this.store.templates.find({ channelId }).sort({ name: 1, language: 1 }).lean();
  }

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

  /** One template of the channel, or 404 (also for another channel's template). */
  async get(channelId: ChannelDoc['_id'], templateId: string): Promise<TemplateDoc> {
    const doc = Types.ObjectId.isValid(templateId) ? await this.store.templates.findOne({ _id: templateId, channelId }).lean() : null;
    if (!doc) throw notFound('Template');
    return doc;
  }

  /**
   * Submits a new template for the provider's review; it is stored PENDING (or what the provider
   * answered) and its verdict arrives as a status event. The unique (channel, name, language)
   * insert comes first, so two submissions of the same template cannot both reach the provider.
   */
  async submit({ doc: channel, connector, access }: ResolvedChannel, template: TemplateSubmission): Promise<TemplateDoc> {
    if (!connector.submitTemplate) throw unprocessable('templates_not_submittable', `Templates of ${channel.type} channels cannot be submitted through the gateway`);
    const record = { ...template, components: storable(template.components), workspaceId: channel.workspaceId, channelId: channel._id, status: 'PENDING' as const, source: 'provider' as const };
    const claimed: TemplateDoc = (
      await unlessTaken(
        () => this.store.templates.create(record),
        () => conflict('template_exists', 'The channel has a template with this name and language'),
      )
    ).toObject();
    try {
      const { providerTemplateId, status } = await connector.submitTemplate(template, access);
      const updated = await this.store.templates.findByIdAndUpdate(claimed._id, { $set: { providerTemplateId, status } }, { returnDocument: 'after' }).lean();
      return updated ?? claimed;
    } catch (err) {
      await this.store.templates.deleteOne({ _id: claimed._id });
      throw providerFailure(err);
    }
  }

  /** Deletes a template at the provider (where it has one there) and from the registry. */
  async remove({ connector, access }: ResolvedChannel, template: TemplateDoc): Promise<void> {
    if (template.source === 'provider' && connector.deleteTemplate) {
      try {
        await connector.deleteTemplate({ name: template.name, providerTemplateId: template.providerTemplateId }, access);
      } catch (err) {
        throw providerFailure(err);
      }
    }
    await this.store.templates.deleteOne({ _id: template._id });
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
        { returnDocument: 'after' },
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
      components: storable(d.components),
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
