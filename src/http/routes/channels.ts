import { Router } from 'express';
import { z } from 'zod';
import { connectChannel, type ConnectChannelDeps } from '../../channels/connect-channel.js';
import { TEMPLATE_CATEGORIES } from '../../domain/template.js';
import { channelResponse, listOf, templateResponse } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { createChannelBody, idParam } from '../schemas.js';
import { channelToApi, templateToApi } from '../../representation/public-records.js';
import type { Store } from '../../store/index.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be an id');
const templateParams = z.strictObject({ id: objectId, templateId: objectId });

/** Given settings and secrets are merged into the current ones (a key set to a new value replaces it). */
export const updateChannelBody = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    secrets: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'Give at least one field to change');

/** A new template in the provider's shape (WhatsApp Cloud: Meta's message_templates fields). */
export const submitTemplateBody = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'lower-case letters, digits and _'),
  language: z.string().min(2).max(15),
  category: z.enum(TEMPLATE_CATEGORIES),
  components: z.array(z.looseObject({ type: z.enum(['HEADER', 'BODY', 'FOOTER', 'BUTTONS']) })).min(1),
});

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const channelOperations: Operations = {
  '/v1/channels': {
    post: {
      operationId: 'createChannel',
      summary: 'Connect a channel (admin); secrets are encrypted and never returned',
      tags: ['channels'],
      body: createChannelBody,
      responses: { '201': { description: 'Created, with its webhook URL', schema: channelResponse } },
      errors: ['unknown_channel_type', 'admin_required', 'channel_exists'],
    },
    get: { operationId: 'listChannels', summary: 'List channels', tags: ['channels'], responses: { '200': { description: 'Channels', schema: listOf(channelResponse) } } },
  },
  '/v1/channels/{id}': {
    get: { operationId: 'getChannel', summary: 'Get a channel', tags: ['channels'], responses: { '200': { description: 'The channel', schema: channelResponse } } },
    patch: {
      operationId: 'updateChannel',
      summary:
        'Change a channel (admin): its name, or settings and secrets merged into the current ones, validated as on creation and encrypted anew. Webhooks use the change at once on this process, on others within 30 s.',
      tags: ['channels'],
      body: updateChannelBody,
      responses: { '200': { description: 'The channel', schema: channelResponse } },
      // channel_exists: the new settings name an account connected already; channel_pulled: mailbox settings cannot change.
      errors: ['admin_required', 'channel_exists', 'channel_pulled'],
    },
    delete: {
      operationId: 'deleteChannel',
      summary:
        'Remove a channel (admin) with its templates; refused while it has open conversations, and for mailboxes. Past conversations and messages stay readable; webhooks to it are answered 404.',
      tags: ['channels'],
      responses: { '204': 'Removed' },
      errors: ['admin_required', 'channel_has_open_conversations', 'channel_pulled'],
    },
  },
  '/v1/channels/{id}/templates': {
    get: { operationId: 'listTemplates', summary: "List a channel's templates", tags: ['templates'], responses: { '200': { description: 'Templates', schema: listOf(templateResponse) } } },
    post: {
      operationId: 'submitTemplate',
      summary: "Submit a new template for the provider's review (admin; WhatsApp Cloud); stored with the provider's status, usually PENDING, until its verdict arrives",
      tags: ['templates'],
      body: submitTemplateBody,
      responses: { '201': { description: 'Submitted', schema: templateResponse }, '502': 'provider_error: the provider could not be reached or failed; nothing is stored' },
      errors: ['admin_required', 'template_exists', 'templates_not_submittable', 'provider_refused', 'provider_error'],
    },
  },
  '/v1/channels/{id}/templates/{templateId}': {
    get: { operationId: 'getTemplate', summary: 'Get a template', tags: ['templates'], responses: { '200': { description: 'The template', schema: templateResponse } } },
    delete: {
      operationId: 'deleteTemplate',
      summary: 'Delete a template (admin): at the provider too where it came from there (WhatsApp Cloud deletes that language of the name)',
      tags: ['templates'],
      responses: { '204': 'Deleted', '502': 'provider_error: the provider could not be reached or failed; the template is kept' },
      errors: ['admin_required', 'provider_refused', 'provider_error'],
    },
  },
  '/v1/channels/{id}/templates/sync': {
    post: {
      operationId: 'syncTemplates',
      summary: "Sync templates from the provider's list (admin)",
      tags: ['templates'],
      idempotent: false,
      responses: { '200': { description: 'How many were synced', schema: z.object({ synced: z.number().int().min(0) }) } },
      errors: ['admin_required'],
    },
  },
};

/** Channels and their templates; a new channel is connected as the CLI connects one. */
export interface ChannelRouteDeps extends ConnectChannelDeps {
  idempotencyRecords: Store['idempotencyRecords'];
}

export function channelRoutes(deps: ChannelRouteDeps): Router {
  const router = Router();
  const base = deps.config.PUBLIC_BASE_URL;
  const view = (c: Parameters<typeof channelToApi>[0]) => channelToApi(c, base, deps.channels.isPulled(c));

  router.post(
    '/channels',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const body = createChannelBody.parse(req.body);
      const { view: created } = await connectChannel(deps, authOf(res).workspaceId, body);
      return { status: 201, body: created };
    }),
  );
  router.get('/channels', async (_req, res) => {
    const channels = await deps.channels.list(authOf(res).workspaceId);
    res.json({ data: channels.map(view) });
  });
  router.get('/channels/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(view(await deps.channels.get(authOf(res).workspaceId, id)));
  });
  router.patch('/channels/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const patch = updateChannelBody.parse(req.body);
    res.json(view(await deps.channels.update(authOf(res).workspaceId, id, patch)));
  });
  router.delete('/channels/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    await deps.channels.remove(authOf(res).workspaceId, id);
    res.status(204).end();
  });

  router.get('/channels/:id/templates', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const channel = await deps.channels.get(authOf(res).workspaceId, id);
    const templates = await deps.templates.list(channel._id);
    res.json({ data: templates.map(templateToApi) });
  });
  router.post(
    '/channels/:id/templates',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = submitTemplateBody.parse(req.body);
      const channel = await deps.channels.get(authOf(res).workspaceId, id);
      return { status: 201, body: templateToApi(await deps.templates.submit(deps.channels.resolve(channel), body)) };
    }),
  );
  router.post('/channels/:id/templates/sync', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const channel = await deps.channels.get(authOf(res).workspaceId, id);
    const synced = await deps.templates.syncFromProvider(deps.channels.resolve(channel));
    res.json({ synced });
  });
  router.get('/channels/:id/templates/:templateId', async (req, res) => {
    const { id, templateId } = templateParams.parse(req.params);
    const channel = await deps.channels.get(authOf(res).workspaceId, id);
    res.json(templateToApi(await deps.templates.get(channel._id, templateId)));
  });
  router.delete('/channels/:id/templates/:templateId', requireAdmin, async (req, res) => {
    const { id, templateId } = templateParams.parse(req.params);
    const channel = await deps.channels.get(authOf(res).workspaceId, id);
    await deps.templates.remove(deps.channels.resolve(channel), await deps.templates.get(channel._id, templateId));
    res.status(204).end();
  });
  return router;
}
