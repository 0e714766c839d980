import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { at, list, text } from '../../json.js';

/** A message template of the business account, as Graph lists it. */
export interface WabaTemplate {
  id: string;
  name: string;
  language: string;
  status: 'APPROVED' | 'PENDING' | 'REJECTED';
  category: string;
  components: Array<Record<string, unknown>>;
}

/** The template definitions the gateway ships (data only): the sandbox's business account has them approved. */
const SHIPPED = path.resolve(import.meta.dirname, '../../../templates/whatsapp-cloud');

let nextId = 1_689_556_908_129_000;

/**
 * The business account's templates: what Graph's `message_templates` edge lists and takes, and
 * the texts a template send is rendered with on the phone.
 */
export class TemplateCatalog {
  private readonly templates: WabaTemplate[] = [];

  static async shipped(): Promise<TemplateCatalog> {
    const catalog = new TemplateCatalog();
    const files = (await readdir(SHIPPED).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
    for (const file of files) {
      const definition = JSON.parse(await readFile(path.join(SHIPPED, file), 'utf8')) as Omit<WabaTemplate, 'id' | 'status'>;
      catalog.add({ ...definition, status: 'APPROVED' });
    }
    return catalog;
  }

  all(): readonly WabaTemplate[] {
    return this.templates;
  }

  add(template: Omit<WabaTemplate, 'id'>): WabaTemplate {
    const stored = { ...template, id: String(nextId++) };
    this.remove(template.name, template.language);
    this.templates.push(stored);
    return stored;
  }

  /** By name: every language (Meta's DELETE by name); with a language, that one. */
  remove(name: string, language?: string): number {
    const before = this.templates.length;
    for (let i = this.templates.length - 1; i >= 0; i--) {
      const t = this.templates[i]!;
      if (t.name === name && (language === undefined || t.language === language)) this.templates.splice(i, 1);
    }
    return before - this.templates.length;
  }

  setStatus(template: WabaTemplate, status: WabaTemplate['status']): void {
    template.status = status;
  }

  /**
   * A template send (`{name, language: {code}, components: [{type, parameters}]}`) as the phone
   * shows it: the template's header, body, footer and buttons with the parameters filled in.
   */
  render(send: unknown): string {
    const name = text(send, 'name') ?? '?';
    const language = text(send, 'language', 'code') ?? '?';
    const template = this.templates.find((t) => t.name === name && t.language === language);
    const values = (type: string, index?: number) => {
      const component = list(send, 'components').find((c) => text(c, 'type')?.toLowerCase() === type && (index === undefined || Number(text(c, 'index')) === index));
      return list(component, 'parameters').map((p) => ({ name: text(p, 'parameter_name'), value: parameterText(p) }));
    };
    if (!template) return `[template ${name} (${language})] ${values('body').map((v) => v.value).join(' | ')}`;
    const lines: string[] = [];
    for (const component of template.components) {
      const type = text(component, 'type')?.toLowerCase();
      if (type === 'header' || type === 'body' || type === 'footer') {
        const own = text(component, 'text');
        if (own) lines.push(type === 'header' ? `*${fill(own, values(type))}*` : fill(own, values(type)));
      } else if (type === 'buttons') {
        const buttons = list(component, 'buttons').map((b, index) => `[${fill(text(b, 'text') ?? '', values('button', index))}]`);
        lines.push(buttons.join(' '));
      }
    }
    return lines.join('\n');
  }
}

function parameterText(parameter: unknown): string {
  const type = text(parameter, 'type');
  if (type === 'text') return text(parameter, 'text') ?? '';
  if (type === 'currency' || type === 'date_time') return text(parameter, type, 'fallback_value') ?? '';
  if (type === 'payload') return text(parameter, 'payload') ?? '';
  return `[${type ?? 'parameter'}${at(parameter, type ?? '', 'link') ? `: ${text(parameter, type ?? '', 'link')}` : ''}]`;
}

/** `{{1}}` takes the first value, `{{name}}` the value of that parameter_name. */
function fill(template: string, values: Array<{ name: string | undefined; value: string }>): string {
  return template.replace(/\{\{\s*([\w]+)\s*\}\}/g, (whole, key: string) => {
    const found = /^\d+$/.test(key) ? values[Number(key) - 1] : values.find((v) => v.name === key);
    return found ? found.value : whole;
  });
}
