import { ProviderSendError } from '../contract.js';
import type { MediaKind, MessageContent, TemplateParameter, TemplateSend } from '../../src/domain/message.js';
import type { TemplateDefinition } from '../../src/domain/template.js';
import { withoutUndefined } from '../support/objects.js';

/** The content part of Twilio's Message create parameters (sender, recipient and callback aside). */
export interface ContentParams {
  body?: string;
  mediaUrl?: string[];
  contentSid?: string;
  contentVariables?: string;
}

/** Twilio's Body limit; a caption is also bound by WhatsApp's own 1024. Checked before the call so an agent learns why. */
const BODY_MAX_CHARS = 1600;
const CAPTION_MAX_CHARS = 1024;

type MediaContent = Extract<MessageContent, { type: MediaKind }>;

export const refuse = (code: string, title: string) => new ProviderSendError(code, title, 'final');

/** Characters as people count them (an emoji is one), not UTF-16 units. */
const length = (s: string) => [...s].length;

/**
 * What Twilio needs to send this content. Anything Twilio or WhatsApp would refuse is refused
 * here as a final ProviderSendError, before any call.
 */
export function contentParams(content: MessageContent, template: TemplateDefinition | undefined): ContentParams {
  switch (content.type) {
    case 'text':
      if (content.text.trim() === '') throw refuse('content_invalid', 'A text message needs a body');
      if (length(content.text) > BODY_MAX_CHARS) throw refuse('content_too_long', `Text is longer than ${BODY_MAX_CHARS} characters`);
      return { body: content.text };
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
      return mediaParams(content);
    case 'template':
      return templateParams(content.template, template);
    default:
      // Stickers, locations, interactive messages and reactions need Content API templates on Twilio.
      throw refuse('unsupported_content', `WhatsApp through Twilio cannot send ${content.type} messages`);
  }
}

/**
 * Twilio fetches media from a public URL itself; it has no upload. Bytes held only in our store
 * (`storedId`) have no such URL, so they cannot be sent. Twilio sets no filename either: the
 * recipient sees the name the URL's host gives (Content-Disposition).
 */
function mediaParams(content: MediaContent): ContentParams {
  const caption = content.caption?.trim() ? content.caption : undefined;
  if (caption !== undefined) {
    if (content.type === 'audio' || content.type === 'document') {
      throw refuse('content_invalid', `Twilio cannot caption WhatsApp ${content.type} messages`);
    }
    if (length(caption) > CAPTION_MAX_CHARS) throw refuse('content_too_long', `Caption is longer than ${CAPTION_MAX_CHARS} characters`);
  }
  const { url, storedId } = content.media;
  if (url !== undefined) {
    if (!/^https?:\/\//i.test(url)) throw refuse('content_invalid', `Twilio fetches media over HTTP(S) only, not ${url}`);
    return withoutUndefined({ mediaUrl: [url], body: caption });
  }
  if (storedId !== undefined) {
    throw refuse('media_url_required', `Twilio needs a public URL to fetch the ${content.type} from; stored media ${storedId} has none`);
  }
  throw refuse('media_missing', `The ${content.type} has no media to send`);
}

/**
 * A Content API template: ContentSid from the registered definition, and the body's parameters
 * as ContentVariables (positional ones as "1", "2", ..., named ones by name). No Body: Twilio
 * takes the text from the template.
 */
function templateParams(send: TemplateSend, definition: TemplateDefinition | undefined): ContentParams {
  if (!definition?.contentSid) {
    throw refuse('template_not_addressable', `Template "${send.name}" (${send.language}) has no ContentSid registered; Twilio addresses templates by it`);
  }
  const variables: Record<string, string> = {};
  let position = 0;
  for (const component of send.components) {
    if (component.parameters.length === 0) continue;
    // Content API variables are one namespace across the template; only the body's map onto it unambiguously.
    if (component.type !== 'body') {
      throw refuse('template_parameters_unsupported', `Twilio templates take parameters in the body only, not in the ${component.type}`);
    }
    for (const parameter of component.parameters) {
      const key = parameter.parameter_name ?? String(++position);
      variables[key] = variableValue(parameter, key);
    }
  }
  return withoutUndefined({
    contentSid: definition.contentSid,
    contentVariables: Object.keys(variables).length > 0 ? JSON.stringify(variables) : undefined,
  });
}

function variableValue(parameter: TemplateParameter, key: string): string {
  switch (parameter.type) {
    case 'text':
      if (parameter.text !== undefined) return parameter.text;
      break;
    case 'currency':
      if (parameter.currency) return parameter.currency.fallback_value;
      break;
    case 'date_time':
      if (parameter.date_time) return parameter.date_time.fallback_value;
      break;
  }
  throw refuse('content_invalid', `Template variable ${key}: a ${parameter.type} parameter without a text value cannot be sent through Twilio`);
}
