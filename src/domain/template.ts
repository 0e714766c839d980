/** Message templates as the registry holds them (provider-approved message shapes). */

export const TEMPLATE_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'ARCHIVED'] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

export interface TemplateButtonDefinition {
  type: 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER' | 'COPY_CODE' | string;
  text: string;
  url?: string;
}

/** A template component as defined (the provider's shape, upper-case types). */
export interface TemplateComponentDefinition {
  type: 'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS';
  format?: 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION';
  text?: string;
  buttons?: TemplateButtonDefinition[];
}

export interface TemplateDefinition {
  name: string;
  language: string;
  category: TemplateCategory;
  status: TemplateStatus;
  components: TemplateComponentDefinition[];
  providerTemplateId?: string;
  /** Twilio Content API templates are addressed by ContentSid instead of name + language. */
  contentSid?: string;
}

/** The definition's component of one type: a definition has at most one of each. */
export function templateComponent(definition: TemplateDefinition, type: TemplateComponentDefinition['type']): TemplateComponentDefinition | undefined {
  return definition.components.find((c) => c.type === type);
}

/** The definition's buttons in order: a send names a button by its position here (`index`). */
export function templateButtons(definition: TemplateDefinition): TemplateButtonDefinition[] {
  return templateComponent(definition, 'BUTTONS')?.buttons ?? [];
}
