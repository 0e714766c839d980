import type { ResolvedChannel } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import type { MessageContent } from '../domain/message.js';
import { decideSend, type SendRefusal, type SenderKind } from '../domain/send-policy.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { TemplateRegistry } from '../template-registry/template-registry.js';
import type { MessageTag } from '../domain/channel.js';
import { windowRuleOf } from '../channels/window-rule.js';

export interface OutgoingIntent {
  content: MessageContent;
  tag?: MessageTag;
  sender: SenderKind;
}

/**
 * Gathers what the policy point needs (rule, window, registered template) and asks it. Used when
 * the API accepts a message and again by the send job, since a window can close in between.
 */
export async function checkSend(
  deps: { templates: TemplateRegistry; clock: Clock },
  { doc, connector }: Pick<ResolvedChannel, 'doc' | 'connector'>,
  conversation: Pick<ConversationDoc, 'lastInboundAt'>,
  intent: OutgoingIntent,
): Promise<{ refusal: SendRefusal | null; template?: Awaited<ReturnType<TemplateRegistry['find']>> }> {
  const { content } = intent;
  const template = content.type === 'template' ? await deps.templates.find(doc._id, content.template.name, content.template.language) : undefined;
  const refusal = decideSend({
    capabilities: connector.capabilities,
    window: windowRuleOf(connector, doc.settings),
    content,
    lastInboundAt: conversation.lastInboundAt,
    template,
    tag: intent.tag,
    sender: intent.sender,
    now: deps.clock.now(),
  });
  return { refusal, template };
}
