import type { HeaderMap } from './headers.js';

/** Precedence values of mass mail (RFC 3834 §3.1.8 and long practice). */
const BULK_PRECEDENCE: ReadonlySet<string> = new Set(['bulk', 'list', 'junk']);

/**
 * Mail nobody should answer automatically (RFC 3834): auto-replies, bounces, lists and bulk mail.
 * - `Auto-Submitted` with any value but `no` (auto-replied, auto-generated, auto-notified);
 * - `Precedence: bulk | list | junk`;
 * - any `List-*` field (List-Id, List-Unsubscribe, ...): list and newsletter traffic;
 * - `X-Autoreply` / `X-Autorespond`, which older responders set instead of Auto-Submitted;
 * - `Return-Path: <>`: the null sender of bounces and other notifications.
 * `X-Auto-Response-Suppress` is not a sign: Outlook sets it on ordinary mail a person wrote.
 */
export function isAutomatic(headers: HeaderMap): boolean {
  if (headers.get('auto-submitted')?.some((v) => keyword(v) !== 'no')) return true;
  if (headers.get('precedence')?.some((v) => BULK_PRECEDENCE.has(keyword(v)))) return true;
  if ([...headers.keys()].some((name) => name.startsWith('list-'))) return true;
  if (headers.has('x-autoreply') || headers.has('x-autorespond')) return true;
  return headers.get('return-path')?.some((v) => v.replace(/\s+/g, '') === '<>') ?? false;
}

/**
 * Mass mail nobody sent to us in person: a mailing list's post (`List-Id`, RFC 2919) or mail
 * marked `Precedence: bulk | list | junk`. Old responders (vacation(1)) mark their auto-replies
 * `Precedence: bulk` or `junk` too; those answer our mail, so they stay plain auto-replies. An
 * unsubscribe link alone is no sign: shops put one on receipts a customer asked for.
 */
export function isBulk(headers: HeaderMap): boolean {
  if (headers.has('list-id')) return true;
  return (headers.get('precedence')?.some((v) => BULK_PRECEDENCE.has(keyword(v))) ?? false) && !isAutoReply(headers);
}

/** An auto-reply declared as one (RFC 3834 `auto-replied`, or the older X-Autoreply fields). */
function isAutoReply(headers: HeaderMap): boolean {
  if (headers.get('auto-submitted')?.some((v) => keyword(v) === 'auto-replied')) return true;
  return headers.has('x-autoreply') || headers.has('x-autorespond');
}

/** The value's first token, lowercased: `auto-replied; owner-email=...` → `auto-replied`. */
function keyword(value: string): string {
  return value.trim().split(/[\s;(]/, 1)[0]?.toLowerCase() ?? '';
}
