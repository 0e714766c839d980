import type { WebhookRequest } from '../contract.js';

/** Twilio's form fields by name. */
export type FormFields = Record<string, string>;

/** A header by name, whatever its case; repeated headers count as absent (ambiguous). */
export function headerValue(headers: WebhookRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/**
 * The fields of an `application/x-www-form-urlencoded` body, decoded as UTF-8 (`+` is a space).
 * Twilio never repeats a field in messaging webhooks; should it, the last value wins.
 */
export function readForm(rawBody: Buffer): FormFields {
  return Object.fromEntries(new URLSearchParams(rawBody.toString('utf8')));
}

/** Absent counts as form-encoded: the stored copy of a request may have lost its headers. */
export function isFormEncoded(headers: WebhookRequest['headers']): boolean {
  const type = headerValue(headers, 'content-type');
  if (type === undefined || type.trim() === '') return true;
  return type.split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}
