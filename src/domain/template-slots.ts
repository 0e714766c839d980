import { isPositionalKey, parsePlaceholders } from './template-placeholders.js';
import type { TemplateProblem } from './template-problem.js';
import { templateButtons, templateComponent, type TemplateComponentDefinition, type TemplateDefinition } from './template.js';

/**
 * What a template definition expects a send to fill (its slots), and what is malformed in the
 * definition itself, so a send is never checked against a definition that cannot be right.
 */

/** One text's placeholders: positional numbers ascending (`{{1}}`…), or names in order of first use. */
export type PlaceholderSlots = { format: 'positional'; indexes: number[] } | { format: 'named'; names: string[] };

export type HeaderSlots =
  | { kind: 'text'; placeholders: PlaceholderSlots }
  | { kind: 'media'; mediaType: 'image' | 'video' | 'document' }
  /** TemplateParameter has no `location` type yet, so a location header is not checked. */
  | { kind: 'location' };

/** A button that takes a parameter: a URL button with `{{1}}` (required) or a quick reply (optional payload). */
export interface ButtonSlots {
  /** The button's position in the definition's BUTTONS list: the send's `index`. */
  index: number;
  subType: 'url' | 'quick_reply';
  parameterType: 'text' | 'payload';
  required: boolean;
}

/** What a definition expects to be sent. Components that take no parameters are absent. */
export interface TemplateSlots {
  header?: HeaderSlots;
  body?: PlaceholderSlots;
  buttons: ButtonSlots[];
  /** Malformed placeholders in the definition; when non-empty the slots above are not reliable. */
  definitionProblems: TemplateProblem[];
}

const MEDIA_FORMATS = { IMAGE: 'image', VIDEO: 'video', DOCUMENT: 'document' } as const;

export function templateParameterSlots(definition: TemplateDefinition): TemplateSlots {
  const problems: TemplateProblem[] = [];
  const slots: TemplateSlots = { buttons: [], definitionProblems: problems };

  const header = templateComponent(definition, 'HEADER');
  const headerSlots = header && headerSlotsOf(header, problems);
  if (headerSlots) slots.header = headerSlots;

  const body = templateComponent(definition, 'BODY');
  if (body?.text !== undefined) {
    const placeholders = textSlots(body.text, 'definition.body', problems);
    if (placeholders) slots.body = placeholders;
  }

  // Meta sets the parameter format per template, so header and body cannot differ.
  if (slots.header?.kind === 'text' && slots.body && slots.header.placeholders.format !== slots.body.format) {
    problems.push({
      path: 'definition',
      code: 'definition_invalid',
      message: `The header uses ${slots.header.placeholders.format} parameters and the body ${slots.body.format} ones`,
    });
  }

  templateButtons(definition).forEach((button, index) => {
    if (button.type === 'QUICK_REPLY') {
      slots.buttons.push({ index, subType: 'quick_reply', parameterType: 'payload', required: false });
    } else if (button.type === 'URL' && button.url !== undefined) {
      const parsed = parsePlaceholders(button.url);
      if (parsed.keys.length === 0) return;
      // A dynamic URL is a fixed prefix plus a single suffix variable, {{1}}.
      if (parsed.keys.length > 1 || parsed.keys[0] !== '1') {
        problems.push({
          path: `definition.buttons[${index}]`,
          code: 'definition_invalid',
          message: `A URL button takes exactly one {{1}} variable, found ${parsed.keys.map((k) => `{{${k}}}`).join(', ')}`,
        });
      }
      slots.buttons.push({ index, subType: 'url', parameterType: 'text', required: true });
    }
  });

  return slots;
}

export function slotCount(slots: PlaceholderSlots): number {
  return slots.format === 'positional' ? slots.indexes.length : slots.names.length;
}

function headerSlotsOf(header: TemplateComponentDefinition, problems: TemplateProblem[]): HeaderSlots | undefined {
  switch (header.format) {
    case undefined:
    case 'TEXT': {
      const placeholders = textSlots(header.text ?? '', 'definition.header', problems);
      if (!placeholders) return undefined;
      if (slotCount(placeholders) > 1) {
        problems.push({ path: 'definition.header', code: 'definition_invalid', message: 'A header text takes at most one parameter' });
      }
      return { kind: 'text', placeholders };
    }
    case 'LOCATION':
      return { kind: 'location' };
    default:
      return { kind: 'media', mediaType: MEDIA_FORMATS[header.format] };
  }
}

function textSlots(text: string, path: string, problems: TemplateProblem[]): PlaceholderSlots | undefined {
  const { keys, malformed } = parsePlaceholders(text);
  for (const placeholder of malformed) {
    problems.push({
      path,
      code: 'definition_invalid',
      message: `${placeholder} is neither positional ({{1}}) nor named (lower-case letters, digits, underscores)`,
    });
  }
  const positional = keys.filter(isPositionalKey).map(Number).sort((a, b) => a - b);
  const names = keys.filter((k) => !isPositionalKey(k));
  if (positional.length > 0 && names.length > 0) {
    problems.push({ path, code: 'definition_invalid', message: 'Positional and named parameters are mixed' });
  }
  if (names.length > 0) return { format: 'named', names };
  if (positional.length === 0) return undefined;
  // Senders fill {{1}}..{{n}} by order, so a gap would shift every later value.
  if (positional.some((n, i) => n !== i + 1)) {
    problems.push({
      path,
      code: 'definition_invalid',
      message: `Positional parameters must be {{1}}..{{${positional.length}}} without gaps, found ${positional.map((n) => `{{${n}}}`).join(', ')}`,
    });
  }
  return { format: 'positional', indexes: positional };
}
