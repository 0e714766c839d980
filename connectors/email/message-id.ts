/**
 * The Message-IDs we give outbound mail, and reading message ids out of header values. Ids are
 * handled without angle brackets everywhere in our model (stored provider ids, thread headers);
 * the brackets are added only when a header is written.
 */

/**
 * `og.<conversationId>.<messageId>@<domain>`: unique per stored message. Both ids are the core's
 * 24-hex ObjectIds.
 */
export function ourMessageId(conversationId: string, messageId: string, domain: string): string {
  return `og.${conversationId}.${messageId}@${domain}`;
}

/**
 * The message ids in an In-Reply-To or References value, in order, without brackets and
 * duplicates. Values are `<id>` lists; comments and phrases beside them (older clients write
 * `<id> (Jane's message of ...)`) are ignored; a value without brackets is read as
 * whitespace-separated ids containing an @.
 */
export function messageIdsIn(value: string | undefined): string[] {
  if (!value) return [];
  const bracketed = [...value.matchAll(/<([^<>\s]+)>/g)].flatMap((m) => (m[1] ? [m[1]] : []));
  const ids = bracketed.length > 0 ? bracketed : value.split(/[\s,]+/).filter((token) => token.includes('@'));
  return [...new Set(ids)];
}
