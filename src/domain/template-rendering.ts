import type { TemplateParameter, TemplateSend } from './message.js';
import { fillPlaceholders } from './template-placeholders.js';
import { templateComponent, type TemplateComponentDefinition, type TemplateDefinition } from './template.js';

export interface RenderedTemplate {
  header?: string;
  body: string;
  footer?: string;
}

/**
 * The text the recipient sees, parameters substituted: positional parameter i fills `{{i+1}}`,
 * a named one fills `{{parameter_name}}`. Placeholders without a usable value stay as written,
 * so the result is always defined. Media and location headers have no text (header absent).
 */
export function renderTemplateText(definition: TemplateDefinition, send: TemplateSend): RenderedTemplate {
  const header = templateComponent(definition, 'HEADER');
  const body = templateComponent(definition, 'BODY');
  const footer = templateComponent(definition, 'FOOTER');
  const values = (type: 'header' | 'body') => send.components.find((c) => c.type === type)?.parameters ?? [];
  const rendered: RenderedTemplate = { body: substitute(body?.text ?? '', values('body')) };
  if (header?.text !== undefined && isTextHeader(header)) rendered.header = substitute(header.text, values('header'));
  if (footer?.text !== undefined) rendered.footer = footer.text;
  return rendered;
}

function isTextHeader(header: TemplateComponentDefinition): boolean {
  return (header.format ?? 'TEXT') === 'TEXT';
}

function substitute(text: string, parameters: TemplateParameter[]): string {
  const values = new Map<string, string>();
  parameters.forEach((parameter, i) => {
    const value = displayValue(parameter);
    if (value !== undefined) values.set(parameter.parameter_name ?? String(i + 1), value);
  });
  return fillPlaceholders(text, (key) => values.get(key));
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
