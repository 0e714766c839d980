import type { MessageContent } from './message.js';
import type { TemplateDefinition } from './template.js';
import { validateTemplateSend } from './template-send-validation.js';
import type { ChannelCapabilities, MessageTag, WindowRule } from './channel.js';

/**
 * The one place that answers "may this be sent now?". Pure: the caller brings the channel's
 * capabilities and window rule, the conversation's last inbound time, the registered template,
 * who is sending and the time.
 */

/** Who a message comes from: HUMAN_AGENT may only ever carry a person's reply. */
export type SenderKind = 'human' | 'automation';

export interface AllowedTag {
  tag: MessageTag;
  /** Until when the tag may be used (HUMAN_AGENT); null: no time limit. */
  until: Date | null;
}

export interface ReplyWindow {
  /** A free-form message may be sent now. */
  canReply: boolean;
  /** When the free-form window closes (or closed); null where the channel has no window. */
  windowExpiresAt: Date | null;
  /** What may be sent when free-form is not allowed. */
  otherwise: 'template' | 'tag' | null;
  /** Tag-based channels: the tags a human agent could use now. */
  tags?: AllowedTag[];
}

function windowEnd(lastInboundAt: Date, hours: number): Date {
  return new Date(lastInboundAt.getTime() + hours * 3_600_000);
}

const before = (now: Date, end: Date | null) => end !== null && now.getTime() < end.getTime();

export function replyWindow(rule: WindowRule | null, lastInboundAt: Date | undefined, now: Date): ReplyWindow {
  if (!rule) return { canReply: true, windowExpiresAt: null, otherwise: null };
  const windowExpiresAt = lastInboundAt ? windowEnd(lastInboundAt, rule.hours) : null;
  const canReply = before(now, windowExpiresAt);
  if (rule.outside === 'template') return { canReply, windowExpiresAt, otherwise: 'template' };
  return { canReply, windowExpiresAt, otherwise: 'tag', tags: lastInboundAt ? allowedTags(rule, lastInboundAt, now) : [] };
}

function allowedTags(rule: Extract<WindowRule, { outside: 'tag' }>, lastInboundAt: Date, now: Date): AllowedTag[] {
  return rule.tags.flatMap((tag): AllowedTag[] => {
    if (tag !== 'HUMAN_AGENT') return [{ tag, until: null }];
    const until = windowEnd(lastInboundAt, rule.humanAgentHours);
    return before(now, until) ? [{ tag, until }] : [];
  });
}

export type SendRefusalCode =
  | 'unsupported_content'
  | 'window_closed'
  | 'template_required'
  | 'template_not_found'
  | 'template_not_approved'
  | 'template_invalid'
  | 'tag_not_allowed';

export interface SendRefusal {
  code: SendRefusalCode;
  message: string;
  details?: Record<string, unknown>;
}

export interface SendRequest {
  capabilities: ChannelCapabilities;
  /** The channel's window rule (a connector may adjust capabilities.window per channel). */
  window: WindowRule | null;
  content: MessageContent;
  lastInboundAt: Date | undefined;
  /** The registered template the content names, when it is a template (undefined: none found). */
  template?: TemplateDefinition;
  /** A message tag asked for (Messenger, outside the standard window). */
  tag?: MessageTag;
  sender: SenderKind;
  now: Date;
}

/** null: allowed. Otherwise the precise reason, turned into a 422 by the API. */
export function decideSend(req: SendRequest): SendRefusal | null {
  const { capabilities, content, window: rule } = req;
  if (!capabilities.outbound.includes(content.type)) {
    return {
      code: 'unsupported_content',
      message: `This channel cannot send ${content.type} messages`,
      details: { supported: capabilities.outbound },
    };
  }
  if (req.tag && rule?.outside !== 'tag') {
    return { code: 'tag_not_allowed', message: 'Message tags exist only on channels with tag-based windows (Messenger)' };
  }
  if (content.type === 'template') return checkTemplate(content.template.name, content.template.language, req);

  const window = replyWindow(rule, req.lastInboundAt, req.now);
  if (req.tag === 'HUMAN_AGENT' && req.sender !== 'human') {
    return { code: 'tag_not_allowed', message: 'HUMAN_AGENT may only carry a human agent’s reply, never an automated one' };
  }
  if (window.canReply) return null;
  if (rule?.outside === 'tag') return checkTag(rule, window, req);
  if (window.windowExpiresAt === null) {
    return {
      code: 'template_required',
      message: 'The contact has not written on this channel yet: only an approved template may start the conversation',
      details: { allowed: window.otherwise },
    };
  }
  return windowClosed(rule?.hours, window, { allowed: window.otherwise });
}

function windowClosed(hours: number | undefined, window: ReplyWindow, details: Record<string, unknown>): SendRefusal {
  const expired = window.windowExpiresAt?.toISOString() ?? null;
  return {
    code: 'window_closed',
    message: expired
      ? `The ${hours}-hour messaging window closed at ${expired}`
      : 'The contact has not written on this channel: there is no messaging window',
    details: { windowExpiresAt: expired, ...details },
  };
}

function checkTag(rule: Extract<WindowRule, { outside: 'tag' }>, window: ReplyWindow, req: SendRequest): SendRefusal | null {
  const allowed = window.tags ?? [];
  const details = { allowed: 'tag', tags: allowed.map((t) => ({ tag: t.tag, until: t.until?.toISOString() ?? null })) };
  if (!req.tag) return windowClosed(rule.hours, window, details);
  if (allowed.some((t) => t.tag === req.tag)) return null;
  if (req.tag === 'HUMAN_AGENT' && rule.tags.includes('HUMAN_AGENT')) {
    return windowClosed(rule.humanAgentHours, { ...window, windowExpiresAt: req.lastInboundAt ? windowEnd(req.lastInboundAt, rule.humanAgentHours) : null }, details);
  }
  return {
    code: 'tag_not_allowed',
    message: req.tag === 'HUMAN_AGENT' ? 'HUMAN_AGENT is not enabled for this channel (it needs app approval)' : `Tag ${req.tag} is not allowed here`,
    details,
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
  const problems = validateTemplateSend(definition, req.content.template);
  if (problems.length > 0) {
    return {
      code: 'template_invalid',
      message: `Template "${name}" (${language}) does not match its definition: ${problems[0]?.message}`,
      details: { problems },
    };
  }
  return null;
}
