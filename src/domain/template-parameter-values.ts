import type { TemplateParameter } from './message.js';
import type { TemplateProblem } from './template-problem.js';

/**
 * The value a single template parameter carries, checked against what Meta accepts: text that
 * keeps the approved layout, a well-formed currency, a reachable media file.
 */

/** Where a parameter's text ends up: each place has its own rules. */
export type ParameterPlace = 'header' | 'body' | 'button';

/** A header or body placeholder takes text, currency or date_time. */
export function checkPlaceholderValue(parameter: TemplateParameter, path: string, where: 'header' | 'body', problems: TemplateProblem[]): void {
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

/** A media header's file: an uploaded media id, or an http(s) link Meta fetches. */
export function checkMediaValue(
  media: { id?: string; link?: string } | undefined,
  mediaType: 'image' | 'video' | 'document',
  path: string,
  problems: TemplateProblem[],
): void {
  const hasId = typeof media?.id === 'string' && media.id.trim() !== '';
  const hasLink = typeof media?.link === 'string' && media.link.trim() !== '';
  if (!hasId && !hasLink) {
    problems.push({ path, code: 'parameter_invalid', message: `The ${mediaType} needs an uploaded media id or a link` });
  } else if (hasLink && !/^https?:\/\/\S+$/i.test(media?.link ?? '')) {
    problems.push({ path, code: 'parameter_invalid', message: `The ${mediaType} link must be an http(s) URL` });
  }
}

/** Text substituted into the message: Meta refuses parameter text that would break the approved layout. */
export function checkText(value: unknown, field: string, path: string, where: ParameterPlace, problems: TemplateProblem[]): void {
  const message = textFault(value, where);
  if (message) problems.push({ path, code: 'parameter_invalid', message: `${field} ${message}` });
}

function textFault(value: unknown, where: ParameterPlace): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return 'must be a non-empty string';
  if (where === 'body' && /[\r\n\t]/.test(value)) return 'must not contain newlines or tabs';
  if (where === 'body' && / {5,}/.test(value)) return 'must not contain more than 4 consecutive spaces';
  if (where === 'header' && /[\r\n]/.test(value)) return 'must not contain newlines in a header';
  return undefined;
}
