import type { ChannelCapabilities } from '../../connectors/contract.js';
import type { MessageContent } from './message.js';
import type { TemplateDefinition } from './template.js';
import { validateTemplateSend, type TemplateProblem } from './template-validation.js';

/**
 * The one place that answers "may this be sent now?". Pure: the caller brings the channel's
 * capabilities, the conversation's last inbound time, the registered template and the time.
 */

export interface ReplyWindow {
  /** A free-form message may be sent now. */
  canReply: boolean;
  /** When the free-form window closes (or closed); null where the channel has no window. */
  windowExpiresAt: Date | null;
  /** What may be sent when free-form is not allowed. */
  otherwise: 'template' | null;
}

export function replyWindow(capabilities: ChannelCapabilities, lastInboundAt: Date | undefined, now: Date): ReplyWindow {
  const rule = capabilities.window;
  if (!rule) return { canReply: true, windowExpiresAt: null, otherwise: null };
  const windowExpiresAt = lastInboundAt ? windowEnd(lastInboundAt, rule.hours) : null;
  return {
    canReply: windowExpiresAt !== null && now.getTime() < windowExpiresAt.getTime(),
    windowExpiresAt,
    otherwise: rule.outside,
  };
}

export function windowEnd(lastInboundAt: Date, hours: number): Date {
  return new Date(lastInboundAt.getTime() + hours * 3_600_000);
}

export interface SendRefusal {
  code:
    | 'unsupported_content'
    | 'window_closed'
    | 'template_required'
    | 'template_not_found'
    | 'template_not_approved'
    | 'template_invalid';
  message: string;
  details?: Record<string, unknown>;
}

export interface SendRequest {
  capabilities: ChannelCapabilities;
  content: MessageContent;
  lastInboundAt: Date | undefined;
  /** The registered template the content names, when it is a template (undefined: none found). */
  template?: TemplateDefinition;
  now: Date;
}

/** null: allowed. Otherwise the precise reason, turned into a 422 by the API. */
export function decideSend(req: SendRequest): SendRefusal | null {
  const { capabilities, content } = req;
  if (!capabilities.outbound.includes(content.type)) {
    return {
      code: 'unsupported_content',
      message: `This channel cannot send ${content.type} messages`,
      details: { supported: capabilities.outbound },
    };
  }
  if (content.type === 'template') return checkTemplate(content.template.name, content.template.language, req);

  const window = replyWindow(capabilities, req.lastInboundAt, req.now);
  if (window.canReply) return null;
  if (window.windowExpiresAt === null) {
    return {
      code: 'template_required',
      message: 'The contact has not written on this channel yet: only an approved template may start the conversation',
      details: { allowed: window.otherwise },
    };
  }
  return {
    code: 'window_closed',
    message: `The ${capabilities.window?.hours}-hour messaging window closed at ${window.windowExpiresAt.toISOString()}: only an approved template may be sent`,
    details: { windowExpiresAt: window.windowExpiresAt.toISOString(), allowed: window.otherwise },
  };
}

function checkTemplate(name: string, language: string, req: SendRequest): SendRefusal | null {
  const definition = req.template;
  if (!definition) {
    return {
      code: 'template_not_found',
      message: `No template "${name}" in language "${language}" is registered for this channel`,
      details: { name, language },
    };
  }
  if (definition.status !== 'APPROVED') {
    return {
      code: 'template_not_approved',
      message: `Template "${name}" (${language}) is ${definition.status}, not APPROVED`,
      details: { name, language, status: definition.status },
    };
  }
  if (req.content.type !== 'template') return null;
  const problems: TemplateProblem[] = validateTemplateSend(definition, req.content.template);
  if (problems.length > 0) {
    return {
      code: 'template_invalid',
      message: `Template "${name}" (${language}) does not match its definition: ${problems[0]?.message}`,
      details: { problems },
    };
  }
  return null;
}
