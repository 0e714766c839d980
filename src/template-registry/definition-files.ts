import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TEMPLATE_CATEGORIES, TEMPLATE_STATUSES, type TemplateDefinition } from '../domain/template.js';

const definitionSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'lower-case letters, digits and underscores'),
  language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a language code such as en, en_US or pt_BR'),
  category: z.enum(TEMPLATE_CATEGORIES),
  status: z.enum(TEMPLATE_STATUSES).default('PENDING'),
  components: z.array(
    z.looseObject({
      type: z.enum(['HEADER', 'BODY', 'FOOTER', 'BUTTONS']),
      format: z.enum(['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']).optional(),
      text: z.string().optional(),
      buttons: z.array(z.looseObject({ type: z.string(), text: z.string(), url: z.string().optional() })).optional(),
    }),
  ),
  contentSid: z.string().optional(),
});

/** The top-level templates/ folder: two levels up from here both in the sources and in dist/. */
const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/**
 * The template definitions kept as files, one JSON file each under templates/<channel type>/.
 * They seed a channel's registry when it is created; the provider's own list (sync) and its
 * status webhooks then keep the registry current.
 */
export async function loadTemplateDefinitions(channelType: string): Promise<TemplateDefinition[]> {
  const folder = path.join(TEMPLATES_DIR, channelType);
  const files = await readdir(folder).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const definitions: TemplateDefinition[] = [];
  for (const file of files.filter((f) => f.endsWith('.json')).sort()) {
    const parsed = definitionSchema.safeParse(JSON.parse(await readFile(path.join(folder, file), 'utf8')));
    if (!parsed.success) throw new Error(`templates/${channelType}/${file}: ${z.prettifyError(parsed.error)}`);
    definitions.push(parsed.data as TemplateDefinition);
  }
  return definitions;
}
