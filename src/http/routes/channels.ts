import { Router } from 'express';
import { z } from 'zod';
import { connectChannel, type ConnectChannelDeps } from '../../channels/connect-channel.js';
import { TEMPLATE_CATEGORIES } from '../../domain/template.js';
import { channelResponse, listOf, templateResponse } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { commonErrors, type Operations } from '../operation.js';
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

const channelOr404 = { ...commonErrors, '404': 'Channel not found' };

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const channelOperations: Operations = {
  '/v1/channels': {
    post: {
      summary: 'Connect a channel (admin); secrets are encrypted and never returned',
      tags: ['channels'],
      body: createChannelBody,
      responses: { '201': { description: 'Created, with its webhook URL', schema: channelResponse }, '403': 'admin_required', '409': 'channel_exists', ...commonErrors },
    },
    get: { summary: 'List channels', tags: ['channels'], responses: { '200': { description: 'Channels', schema: listOf(channelResponse) }, ...commonErrors } },
  },
  '/v1/channels/{id}': {
    get: { summary: 'Get a channel', tags: ['channels'], pathId: true, responses: { '200': { description: 'The channel', schema: channelResponse }, ...channelOr404 } },
    patch: {
      summary:
        'Change a channel (admin): its name, or settings and secrets merged into the current ones, validated as on creation and encrypted anew. Webhooks use the change at once on this process, on others within 30 s.',
      tags: ['channels'],
      pathId: true,
      body: updateChannelBody,
      responses: {
        '200': { description: 'The channel', schema: channelResponse },
        '403': 'admin_required',
        '409': 'channel_exists (the new settings name an account connected already), channel_pulled (mailbox settings cannot change)',
        ...channelOr404,
      },
    },
    delete: {
      summary:
        'Remove a channel (admin) with its templates; refused while it has open conversations. Past conversations and messages stay readable; webhooks to it are answered 404.',
      tags: ['channels'],
      pathId: true,
      responses: { '204': 'Removed', '403': 'admin_required', '409': 'channel_has_open_conversations (details.open), channel_pulled (mailboxes cannot be removed)', ...channelOr404 },
    },
  },
  '/v1/channels/{id}/templates': {
    get: { summary: "List a channel's templates", tags: ['templates'], pathId: true, responses: { '200': { description: 'Templates', schema: listOf(templateResponse) }, ...channelOr404 } },
    post: {
      summary: "Submit a new template for the provider's review (admin; WhatsApp Cloud); stored with the provider's status, usually PENDING, until its verdict arrives",
      tags: ['templates'],
      pathId: true,
      body: submitTemplateBody,
      responses: {
        '201': { description: 'Submitted', schema: templateResponse },
        '403': 'admin_required',
        '409': 'template_exists',
        '422': 'templates_not_submittable (the channel type has no submission), provider_refused (details.providerCode)',
        '502': 'provider_error: the provider could not be reached or failed; nothing is stored',
        ...channelOr404,
      },
    },
  },
  '/v1/channels/{id}/templates/{templateId}': {
    get: { summary: 'Get a template', tags: ['templates'], responses: { '200': { description: 'The template', schema: templateResponse }, ...commonErrors } },
    delete: {
      summary: 'Delete a template (admin): at the provider too where it came from there (WhatsApp Cloud deletes that language of the name)',
      tags: ['templates'],
      responses: { '204': 'Deleted', '403': 'admin_required', '422': 'provider_refused', '502': 'provider_error; the template is kept', ...commonErrors },
    },
  },
  '/v1/channels/{id}/templates/sync': {
    post: {
      summary: "Sync templates from the provider's list (admin)",
      tags: ['templates'],
      pathId: true,
      responses: { '200': { description: 'How many were synced', schema: z.object({ synced: z.number().int().min(0) }) }, '403': 'admin_required', ...channelOr404 },
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
