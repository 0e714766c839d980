import type { TemplateSend } from './message.js';
import type { TemplateProblem } from './template-problem.js';
import { renderTemplateText } from './template-rendering.js';
import { templateButtons, type TemplateDefinition } from './template.js';

/** Meta's limits, counted on the text as the recipient sees it (parameters substituted). */
export const TEMPLATE_TEXT_LIMITS = { header: 60, body: 1024, footer: 60, buttonText: 25 } as const;

/** Reports each text of the rendered template that is longer than Meta accepts. */
export function checkTextLimits(definition: TemplateDefinition, send: TemplateSend, problems: TemplateProblem[]): void {
  const rendered = renderTemplateText(definition, send);
  const limit = (text: string | undefined, max: number, path: string, what: string) => {
    if (text !== undefined && characters(text) > max) {
      problems.push({ path, code: 'text_too_long', message: `${what} is ${characters(text)} characters, the limit is ${max}` });
    }
  };
  limit(rendered.header, TEMPLATE_TEXT_LIMITS.header, 'components.header', 'The header with its parameter');
  limit(rendered.body, TEMPLATE_TEXT_LIMITS.body, 'components.body', 'The body with its parameters');
  limit(rendered.footer, TEMPLATE_TEXT_LIMITS.footer, 'definition.footer', 'The footer');
  templateButtons(definition).forEach((button, index) => {
    limit(button.text, TEMPLATE_TEXT_LIMITS.buttonText, `definition.buttons[${index}]`, `The text of button ${index}`);
  });
}

/** Counted in Unicode code points, so an emoji is one character rather than two UTF-16 units. */
function characters(text: string): number {
  return [...text].length;
}
