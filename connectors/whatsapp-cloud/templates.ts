import { isAxiosError } from 'axios';
import { z } from 'zod';
import type { TemplateComponentDefinition, TemplateDefinition, TemplateStatus } from '../../src/domain/template.js';
import { toGraphRequestError } from './errors.js';
import { bearer, graphPath, REQUEST_TIMEOUT_MS, type GraphClient } from '../meta/graph.js';
import { templateCategoryOf, templateStatusOf } from './template-status.js';
import { ProviderRequestError } from '../contract.js';
import type { WhatsAppCloudChannel } from './settings.js';

const PAGE_SIZE = 100;
const FIELDS = 'id,name,language,status,category,components';

const templatesPage = z.looseObject({
  data: z.array(
    z.looseObject({
      id: z.union([z.string().min(1), z.number()]).optional(),
      name: z.string().min(1),
      language: z.string().min(1),
      status: z.string(),
      category: z.string(),
      components: z.array(z.looseObject({ type: z.string() })).default([]),
    }),
  ),
  paging: z
    .looseObject({
      cursors: z.looseObject({ after: z.string().optional() }).optional(),
      next: z.string().optional(),
    })
    .optional(),
});
type TemplateRow = z.infer<typeof templatesPage>['data'][number];

/**
 * The WABA's templates from its `message_templates` edge, every page. `paging.next` only tells
 * whether there is more: the next page is asked for with its `after` cursor on our own path, so
 * the token never follows a URL taken from a response.
 */
export async function listTemplates(channel: WhatsAppCloudChannel, client: GraphClient): Promise<TemplateDefinition[]> {
  const { wabaId } = channel.settings;
  const { accessToken } = channel.secrets;
  const definitions: TemplateDefinition[] = [];
  const seen = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await fetchPage(client, wabaId, accessToken, after);
    for (const row of page.data) {
      const definition = definitionOf(row);
      if (definition) definitions.push(definition);
    }
    after = page.paging?.next ? (page.paging.cursors?.after ?? afterOf(page.paging.next)) : undefined;
    // A cursor seen before would loop forever.
    if (!after || seen.has(after)) return definitions;
    seen.add(after);
  }
}

async function fetchPage(client: GraphClient, wabaId: string, accessToken: string, after: string | undefined) {
  let data: unknown;
  try {
    const res = await client.http.get(graphPath(client, wabaId, 'message_templates'), {
      headers: bearer(accessToken),
      params: { fields: FIELDS, limit: PAGE_SIZE, ...(after && { after }) },
      timeout: REQUEST_TIMEOUT_MS,
    });
    data = res.data;
  } catch (err) {
    throw isAxiosError(err) ? toGraphRequestError(err, 'Template listing') : err;
  }
  const page = templatesPage.safeParse(data);
  if (!page.success) {
    const issue = page.error.issues[0];
    throw new ProviderRequestError('invalid_response', `Template listing: unexpected answer at ${issue?.path.join('.')}: ${issue?.message}`, 'retry');
  }
  return page.data;
}

function afterOf(next: string): string | undefined {
  try {
    return new URL(next).searchParams.get('after') ?? undefined;
  } catch {
    return undefined;
  }
}

/** Templates whose status or category we have no word for are left out rather than guessed. */
function definitionOf(row: TemplateRow): TemplateDefinition | undefined {
  const status = templateStatusOf(row.status);
  const category = templateCategoryOf(row.category);
  if (!status || !category) return undefined;
  return {
    name: row.name,
    language: row.language,
    category,
    status,
    // Kept in Meta's shape (example values, newer component types included).
    components: row.components as TemplateComponentDefinition[],
    ...(row.id !== undefined && { providerTemplateId: String(row.id) }),
  };
}

const submitAnswer = z.looseObject({ id: z.union([z.string().min(1), z.number()]), status: z.string().optional() });

/**
 * Submits a new template to the WABA for Meta's review. Meta answers with its id and usually
 * PENDING; the verdict arrives later as a message_template_status_update webhook.
 */
export async function submitTemplate(
  template: Pick<TemplateDefinition, 'name' | 'language' | 'category' | 'components'>,
  channel: WhatsAppCloudChannel,
  client: GraphClient,
): Promise<{ providerTemplateId: string; status: TemplateStatus }> {
  let data: unknown;
  try {
    const res = await client.http.post(
      graphPath(client, channel.settings.wabaId, 'message_templates'),
      { name: template.name, language: template.language, category: template.category, components: template.components },
      { headers: bearer(channel.secrets.accessToken), timeout: REQUEST_TIMEOUT_MS },
    );
    data = res.data;
  } catch (err) {
    throw isAxiosError(err) ? toGraphRequestError(err, 'Template submission') : err;
  }
  const answer = submitAnswer.safeParse(data);
  if (!answer.success) throw new ProviderRequestError('invalid_response', 'Template submission: the answer has no template id', 'retry');
  return { providerTemplateId: String(answer.data.id), status: (answer.data.status && templateStatusOf(answer.data.status)) || 'PENDING' };
}

/**
 * Deletes a template at Meta. With its id only that language is deleted; by name alone Meta
 * deletes every language of the name.
 */
export async function deleteTemplate(template: { name: string; providerTemplateId?: string }, channel: WhatsAppCloudChannel, client: GraphClient): Promise<void> {
  try {
    await client.http.delete(graphPath(client, channel.settings.wabaId, 'message_templates'), {
      headers: bearer(channel.secrets.accessToken),
      params: { name: template.name, ...(template.providerTemplateId && { hsm_id: template.providerTemplateId }) },
      timeout: REQUEST_TIMEOUT_MS,
    });
  } catch (err) {
    throw isAxiosError(err) ? toGraphRequestError(err, 'Template deletion') : err;
  }
}
