import type { TemplateComponentValues, TemplateParameter, TemplateSend } from './message.js';
import type { TemplateComponentDefinition, TemplateDefinition } from './template.js';

/**
 * Checks an outbound template send against its registered definition before it is queued, so a
 * mismatch becomes a precise refusal instead of a provider error (132000 parameter count,
 * 132012 parameter format) once the message is already on its way.
 * Pure: no I/O, never throws on bad input; every problem found is returned.
 */

export type TemplateProblemCode =
  | 'name_mismatch'
  | 'language_mismatch'
  /** The definition itself is malformed (placeholders), so the send cannot be checked. */
  | 'definition_invalid'
  | 'component_missing'
  | 'component_unexpected'
  | 'component_duplicate'
  /** A button component without a usable index or with the wrong sub_type. */
  | 'component_invalid'
  | 'parameter_count_mismatch'
  | 'parameter_missing'
  | 'unknown_parameter'
  | 'parameter_duplicate'
  | 'parameter_type_mismatch'
  | 'parameter_invalid'
  | 'text_too_long';

export interface TemplateProblem {
  /** Where: `name`, `language`, `components.body.parameters[1]`, `components.button[0]`, `definition.footer`… */
  path: string;
  code: TemplateProblemCode;
  message: string;
}

/** Meta's limits, counted on the text as the recipient sees it (parameters substituted). */
export const TEMPLATE_TEXT_LIMITS = { header: 60, body: 1024, footer: 60, buttonText: 25 } as const;

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

export interface RenderedTemplate {
  header?: string;
  body: string;
  footer?: string;
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const POSITIONAL_KEY = /^[1-9][0-9]*$/;
/** Lower-case letters, digits and underscores, but not digits alone (those are positional or invalid). */
const NAMED_KEY = /^(?![0-9]+$)[a-z0-9_]+$/;
const MEDIA_FORMATS = { IMAGE: 'image', VIDEO: 'video', DOCUMENT: 'document' } as const;

export function templateParameterSlots(definition: TemplateDefinition): TemplateSlots {
  const problems: TemplateProblem[] = [];
  const slots: TemplateSlots = { buttons: [], definitionProblems: problems };

  const header = findComponent(definition, 'HEADER');
  const headerSlots = header && headerSlotsOf(header, problems);
  if (headerSlots) slots.header = headerSlots;

  const body = findComponent(definition, 'BODY');
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

  definitionButtons(definition).forEach((button, index) => {
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

export function validateTemplateSend(definition: TemplateDefinition, send: TemplateSend): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  if (send.name !== definition.name) {
    problems.push({ path: 'name', code: 'name_mismatch', message: `Template "${send.name}" was checked against "${definition.name}"` });
  }
  if (send.language !== definition.language) {
    problems.push({
      path: 'language',
      code: 'language_mismatch',
      message: `Template "${definition.name}" is registered in "${definition.language}", not "${send.language}"`,
    });
  }

  const slots = templateParameterSlots(definition);
  // Checking parameters against a malformed definition would only add noise.
  if (slots.definitionProblems.length > 0) return [...problems, ...slots.definitionProblems];

  const sent = collectComponents(send, problems);
  checkHeader(slots.header, sent.header, problems);
  checkComponent('body', slots.body, sent.body, problems);
  checkButtons(slots.buttons, definitionButtons(definition).length, sent.buttons, problems);
  checkLengths(definition, send, problems);
  return problems;
}

/**
 * The text the recipient sees, parameters substituted: positional parameter i fills `{{i+1}}`,
 * a named one fills `{{parameter_name}}`. Placeholders without a usable value stay as written,
 * so the result is always defined. Media and location headers have no text (header absent).
 */
export function renderTemplateText(definition: TemplateDefinition, send: TemplateSend): RenderedTemplate {
  const header = findComponent(definition, 'HEADER');
  const body = findComponent(definition, 'BODY');
  const footer = findComponent(definition, 'FOOTER');
  const values = (type: 'header' | 'body') => send.components.find((c) => c.type === type)?.parameters ?? [];
  const rendered: RenderedTemplate = { body: substitute(body?.text ?? '', values('body')) };
  if (header?.text !== undefined && isTextHeader(header)) rendered.header = substitute(header.text, values('header'));
  if (footer?.text !== undefined) rendered.footer = footer.text;
  return rendered;
}

function findComponent(definition: TemplateDefinition, type: TemplateComponentDefinition['type']) {
  return definition.components.find((c) => c.type === type);
}

function definitionButtons(definition: TemplateDefinition) {
  return findComponent(definition, 'BUTTONS')?.buttons ?? [];
}

function isTextHeader(header: TemplateComponentDefinition): boolean {
  return (header.format ?? 'TEXT') === 'TEXT';
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

/** The distinct placeholder keys of a text in order of first use, and the ones that are neither form. */
function parsePlaceholders(text: string): { keys: string[]; malformed: string[] } {
  const keys: string[] = [];
  const malformed: string[] = [];
  for (const [whole, key = ''] of text.matchAll(PLACEHOLDER)) {
    if (!POSITIONAL_KEY.test(key) && !NAMED_KEY.test(key)) malformed.push(whole);
    else if (!keys.includes(key)) keys.push(key);
  }
  return { keys, malformed };
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
  const positional = keys.filter((k) => POSITIONAL_KEY.test(k)).map(Number).sort((a, b) => a - b);
  const names = keys.filter((k) => !POSITIONAL_KEY.test(k));
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

function slotCount(slots: PlaceholderSlots): number {
  return slots.format === 'positional' ? slots.indexes.length : slots.names.length;
}

interface SentComponents {
  header?: TemplateComponentValues;
  body?: TemplateComponentValues;
  buttons: Map<number, TemplateComponentValues>;
}

function collectComponents(send: TemplateSend, problems: TemplateProblem[]): SentComponents {
  const sent: SentComponents = { buttons: new Map() };
  send.components.forEach((component, position) => {
    if (component.type !== 'button') {
      if (sent[component.type]) {
        problems.push({ path: `components.${component.type}`, code: 'component_duplicate', message: `More than one ${component.type} component` });
      } else {
        sent[component.type] = component;
      }
      return;
    }
    const { index } = component;
    if (index === undefined || !Number.isInteger(index) || index < 0) {
      problems.push({
        path: `components[${position}]`,
        code: 'component_invalid',
        message: 'A button component needs the index (from 0) of the button it fills',
      });
    } else if (sent.buttons.has(index)) {
      problems.push({ path: `components.button[${index}]`, code: 'component_duplicate', message: `More than one component for button ${index}` });
    } else {
      sent.buttons.set(index, component);
    }
  });
  return sent;
}

/** A component with nothing to fill is tolerated when it carries no parameters. */
function rejectParameters(component: TemplateComponentValues | undefined, path: string, problems: TemplateProblem[]): void {
  if (component && component.parameters.length > 0) {
    problems.push({ path, code: 'component_unexpected', message: `The template takes no parameters here, ${component.parameters.length} sent` });
  }
}

function checkHeader(slots: HeaderSlots | undefined, component: TemplateComponentValues | undefined, problems: TemplateProblem[]): void {
  const path = 'components.header';
  if (slots === undefined) return rejectParameters(component, path, problems);
  if (slots.kind === 'location') return;
  if (slots.kind === 'text') return checkComponent('header', slots.placeholders, component, problems);

  if (!component) {
    problems.push({ path, code: 'component_missing', message: `The template has a ${slots.mediaType} header: send one ${slots.mediaType} parameter` });
    return;
  }
  if (component.parameters.length !== 1) {
    problems.push({ path, code: 'parameter_count_mismatch', message: `A ${slots.mediaType} header takes exactly 1 parameter, ${component.parameters.length} sent` });
  }
  component.parameters.forEach((parameter, i) => {
    const parameterPath = `${path}.parameters[${i}]`;
    if (parameter.type !== slots.mediaType) {
      problems.push({
        path: parameterPath,
        code: 'parameter_type_mismatch',
        message: `The header is ${slots.mediaType}, the parameter is ${parameter.type}`,
      });
      return;
    }
    const media = parameter[slots.mediaType];
    const hasId = typeof media?.id === 'string' && media.id.trim() !== '';
    const hasLink = typeof media?.link === 'string' && media.link.trim() !== '';
    if (!hasId && !hasLink) {
      problems.push({ path: parameterPath, code: 'parameter_invalid', message: `The ${slots.mediaType} needs an uploaded media id or a link` });
    } else if (hasLink && !/^https?:\/\/\S+$/i.test(media?.link ?? '')) {
      problems.push({ path: parameterPath, code: 'parameter_invalid', message: `The ${slots.mediaType} link must be an http(s) URL` });
    }
  });
}

/** Header text or body: the parameters fill the placeholders by order (positional) or by name. */
function checkComponent(
  where: 'header' | 'body',
  slots: PlaceholderSlots | undefined,
  component: TemplateComponentValues | undefined,
  problems: TemplateProblem[],
): void {
  const path = `components.${where}`;
  if (slots === undefined) return rejectParameters(component, path, problems);
  if (!component) {
    problems.push({ path, code: 'component_missing', message: `The ${where} takes ${slotCount(slots)} parameter(s): send a ${where} component` });
    return;
  }
  const { parameters } = component;

  if (slots.format === 'positional') {
    if (parameters.length !== slots.indexes.length) {
      problems.push({
        path,
        code: 'parameter_count_mismatch',
        message: `The ${where} takes ${slots.indexes.length} parameter(s) ({{1}}..{{${slots.indexes.length}}}), ${parameters.length} sent`,
      });
    }
    parameters.forEach((parameter, i) => {
      const parameterPath = `${path}.parameters[${i}]`;
      if (parameter.parameter_name !== undefined) {
        problems.push({
          path: parameterPath,
          code: 'unknown_parameter',
          message: `The template uses positional parameters (filled by order): parameter_name "${parameter.parameter_name}" does not exist`,
        });
      }
      checkPlaceholderValue(parameter, parameterPath, where, problems);
    });
    return;
  }

  // Named: the name checks below already account for a wrong count, so none is reported separately.
  const seen = new Set<string>();
  parameters.forEach((parameter, i) => {
    const parameterPath = `${path}.parameters[${i}]`;
    const name = parameter.parameter_name;
    if (name === undefined) {
      problems.push({ path: parameterPath, code: 'parameter_invalid', message: 'The template uses named parameters: every parameter needs parameter_name' });
    } else if (!slots.names.includes(name)) {
      problems.push({
        path: parameterPath,
        code: 'unknown_parameter',
        message: `The ${where} has no {{${name}}}; it takes ${slots.names.map((n) => `{{${n}}}`).join(', ')}`,
      });
    } else if (seen.has(name)) {
      problems.push({ path: parameterPath, code: 'parameter_duplicate', message: `{{${name}}} is sent more than once` });
    } else {
      seen.add(name);
    }
    checkPlaceholderValue(parameter, parameterPath, where, problems);
  });
  for (const name of slots.names) {
    if (!seen.has(name)) problems.push({ path, code: 'parameter_missing', message: `No value for {{${name}}}` });
  }
}

function checkPlaceholderValue(parameter: TemplateParameter, path: string, where: 'header' | 'body', problems: TemplateProblem[]): void {
  switch (parameter.type) {
    case 'text':
      return checkText(parameter.text, 'text', path, where, problems);
    case 'currency': {
      const { currency } = parameter;
      if (!currency) {
        problems.push({ path, code: 'parameter_invalid', message: 'A currency parameter needs fallback_value, code and amount_1000' });
        return;
      }
      checkText(currency.fallback_value, 'currency.fallback_value', path, where, problems);
      if (typeof currency.code !== 'string' || !/^[A-Z]{3}$/.test(currency.code)) {
        problems.push({ path, code: 'parameter_invalid', message: 'currency.code must be a 3-letter ISO 4217 code such as USD' });
      }
      if (!Number.isInteger(currency.amount_1000)) {
        problems.push({ path, code: 'parameter_invalid', message: 'currency.amount_1000 must be an integer (the amount times 1000)' });
      }
      return;
    }
    case 'date_time':
      return checkText(parameter.date_time?.fallback_value, 'date_time.fallback_value', path, where, problems);
    default:
      problems.push({
        path,
        code: 'parameter_type_mismatch',
        message: `A ${where} placeholder takes text, currency or date_time, not ${parameter.type}`,
      });
  }
}

/** Text substituted into the message: Meta refuses parameter text that would break the approved layout. */
function checkText(
  value: unknown,
  field: string,
  path: string,
  where: 'header' | 'body' | 'button',
  problems: TemplateProblem[],
): void {
  const message = textFault(value, where);
  if (message) problems.push({ path, code: 'parameter_invalid', message: `${field} ${message}` });
}

function textFault(value: unknown, where: 'header' | 'body' | 'button'): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return 'must be a non-empty string';
  if (where === 'body' && /[\r\n\t]/.test(value)) return 'must not contain newlines or tabs';
  if (where === 'body' && / {5,}/.test(value)) return 'must not contain more than 4 consecutive spaces';
  if (where === 'header' && /[\r\n]/.test(value)) return 'must not contain newlines in a header';
  return undefined;
}

function checkButtons(
  slots: ButtonSlots[],
  buttonCount: number,
  sent: Map<number, TemplateComponentValues>,
  problems: TemplateProblem[],
): void {
  for (const slot of slots) {
    const path = `components.button[${slot.index}]`;
    const component = sent.get(slot.index);
    if (!component) {
      if (slot.required) {
        problems.push({ path, code: 'component_missing', message: `Button ${slot.index} has a dynamic URL: send its {{1}} value` });
      }
      continue;
    }
    if (component.sub_type !== slot.subType) {
      problems.push({
        path,
        code: 'component_invalid',
        message: `Button ${slot.index} is a ${slot.subType} button, sub_type is ${component.sub_type ?? 'missing'}`,
      });
    }
    if (component.parameters.length !== 1) {
      problems.push({
        path,
        code: 'parameter_count_mismatch',
        message: `Button ${slot.index} takes exactly 1 ${slot.parameterType} parameter, ${component.parameters.length} sent`,
      });
    }
    component.parameters.forEach((parameter, i) => {
      const parameterPath = `${path}.parameters[${i}]`;
      if (parameter.type !== slot.parameterType) {
        problems.push({
          path: parameterPath,
          code: 'parameter_type_mismatch',
          message: `Button ${slot.index} takes a ${slot.parameterType} parameter, not ${parameter.type}`,
        });
      } else {
        checkText(parameter[slot.parameterType], slot.parameterType, parameterPath, 'button', problems);
      }
    });
  }
  for (const [index, component] of sent) {
    if (slots.some((s) => s.index === index)) continue;
    if (index >= buttonCount) {
      problems.push({ path: `components.button[${index}]`, code: 'component_unexpected', message: `The template has no button ${index}` });
    } else {
      rejectParameters(component, `components.button[${index}]`, problems);
    }
  }
}

/** Counted in Unicode code points, so an emoji is one character rather than two UTF-16 units. */
function characters(text: string): number {
  return [...text].length;
}

function checkLengths(definition: TemplateDefinition, send: TemplateSend, problems: TemplateProblem[]): void {
  const rendered = renderTemplateText(definition, send);
  const limit = (text: string | undefined, max: number, path: string, what: string) => {
    if (text !== undefined && characters(text) > max) {
      problems.push({ path, code: 'text_too_long', message: `${what} is ${characters(text)} characters, the limit is ${max}` });
    }
  };
  limit(rendered.header, TEMPLATE_TEXT_LIMITS.header, 'components.header', 'The header with its parameter');
  limit(rendered.body, TEMPLATE_TEXT_LIMITS.body, 'components.body', 'The body with its parameters');
  limit(rendered.footer, TEMPLATE_TEXT_LIMITS.footer, 'definition.footer', 'The footer');
  definitionButtons(definition).forEach((button, index) => {
    limit(button.text, TEMPLATE_TEXT_LIMITS.buttonText, `definition.buttons[${index}]`, `The text of button ${index}`);
  });
}

function substitute(text: string, parameters: TemplateParameter[]): string {
  const values = new Map<string, string>();
  parameters.forEach((parameter, i) => {
    const value = displayValue(parameter);
    if (value !== undefined) values.set(parameter.parameter_name ?? String(i + 1), value);
  });
  return text.replace(PLACEHOLDER, (whole, key: string) => values.get(key) ?? whole);
}

/** Currency and date_time show their fallback_value: that is what Meta displays. */
function displayValue(parameter: TemplateParameter): string | undefined {
  switch (parameter.type) {
    case 'text':
      return parameter.text;
    case 'currency':
      return parameter.currency?.fallback_value;
    case 'date_time':
      return parameter.date_time?.fallback_value;
    default:
      return undefined;
  }
}
