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

/** The value's first token, lowercased: `auto-replied; owner-email=...` → `auto-replied`. */
function keyword(value: string): string {
  return value.trim().split(/[\s;(]/, 1)[0]?.toLowerCase() ?? '';
}
