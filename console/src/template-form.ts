import type { Template } from './types.js';

/** One value a template asks for: its component, its place ({{1}} or {{name}}) and what the text around it says. */
export interface TemplateSlot {
  component: 'header' | 'body';
  key: string;
  named: boolean;
}

/** The placeholders of a template's text header and body, in order, each once. */
export function slotsOf(template: Template): TemplateSlot[] {
  const slots: TemplateSlot[] = [];
  for (const c of template.components) {
    if ((c.type !== 'HEADER' && c.type !== 'BODY') || !c.text) continue;
    const component = c.type === 'HEADER' ? 'header' : 'body';
    for (const [, key] of c.text.matchAll(/\{\{\s*([\w]+)\s*\}\}/g)) {
      if (!slots.some((s) => s.component === component && s.key === key)) slots.push({ component, key: key!, named: !/^\d+$/.test(key!) });
    }
  }
  return slots;
}

/** The send body's components from the slots' values, in the placeholders' order. */
export function componentsOf(slots: TemplateSlot[], values: Record<string, string>) {
  return (['header', 'body'] as const)
    .map((type) => ({
      type,
      parameters: slots
        .filter((s) => s.component === type)
        .map((s) => ({ type: 'text' as const, text: values[`${s.component}.${s.key}`] ?? '', ...(s.named && { parameter_name: s.key }) })),
    }))
    .filter((c) => c.parameters.length > 0);
}

/** The template's body with the values filled in, as the customer will read it. */
export function previewOf(template: Template, values: Record<string, string>): string {
  const body = template.components.find((c) => c.type === 'BODY')?.text ?? '';
  return body.replace(/\{\{\s*([\w]+)\s*\}\}/g, (whole, key: string) => values[`body.${key}`] || whole);
}
