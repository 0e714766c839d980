import { z } from 'zod';

const address = z.email();

/**
 * Why `to` cannot be the recipient of a new outbound mail, or null: it must be one plain address.
 * A list ("a@b, c@d"), a display name, or a line break (a header injection such as "\r\nBcc:")
 * would send to someone the API never named.
 */
export function recipientProblem(to: string): string | null {
  return address.safeParse(to).success ? null : 'to must be one email address, without a name, list or line break';
}
