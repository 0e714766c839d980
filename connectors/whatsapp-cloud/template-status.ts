import { TEMPLATE_CATEGORIES, TEMPLATE_STATUSES, type TemplateCategory, type TemplateStatus } from '../../src/domain/template.js';

/**
 * Meta's template statuses and status events, in our terms. Meta has more values than we do:
 * REINSTATED means sendable again; IN_APPEAL is under review again; a deleted template can
 * never be sent again, which ARCHIVED (not sendable) expresses best. FLAGGED, LOCKED, UNLOCKED
 * and LIMIT_EXCEEDED do not change whether the template may be sent: undefined, nothing to record.
 */
const ALIASES: Readonly<Record<string, TemplateStatus>> = {
  REINSTATED: 'APPROVED',
  IN_APPEAL: 'PENDING',
  PENDING_DELETION: 'ARCHIVED',
  DELETED: 'ARCHIVED',
};

export function templateStatusOf(value: string): TemplateStatus | undefined {
  const upper = value.toUpperCase();
  if ((TEMPLATE_STATUSES as readonly string[]).includes(upper)) return upper as TemplateStatus;
  return ALIASES[upper];
}

export function templateCategoryOf(value: string): TemplateCategory | undefined {
  const upper = value.toUpperCase();
  return (TEMPLATE_CATEGORIES as readonly string[]).includes(upper) ? (upper as TemplateCategory) : undefined;
}
