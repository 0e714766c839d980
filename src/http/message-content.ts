import type { MessageContent, TemplateSend } from '../domain/message.js';
import { unprocessable } from '../errors.js';
import type { SendMessageBody } from './schemas.js';

/**
 * The API's message body as the message model. A reaction names one of our messages; the
 * caller resolves it to the provider's id (undefined: there is nothing to react to).
 */
export async function messageContentOf(
  body: SendMessageBody,
  reactionTarget: (messageId: string) => Promise<string | undefined>,
): Promise<MessageContent> {
  switch (body.type) {
    case 'reaction': {
      const targetProviderMessageId = await reactionTarget(body.messageId);
      if (!targetProviderMessageId) throw unprocessable('reaction_target_not_found', 'messageId is not a delivered message of this conversation');
      return { type: 'reaction', targetProviderMessageId, emoji: body.emoji };
    }
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return { type: body.type, media: { ...body.media }, caption: body.caption, filename: body.filename };
    case 'template':
      return { type: 'template', template: body.template as TemplateSend };
    case 'text':
      return { type: 'text', text: body.text };
    case 'location':
      return { type: 'location', latitude: body.latitude, longitude: body.longitude, name: body.name, address: body.address };
    case 'contacts':
      return { type: 'contacts', contacts: body.contacts };
    case 'interactive':
      return { type: 'interactive', interactive: body.interactive };
  }
}
