import { createHmac } from 'node:crypto';

/**
 * `X-Twilio-Signature`: base64 HMAC-SHA1, keyed with the auth token, of the URL Twilio posts to
 * followed by each form field's name and value, sorted by name
 * (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
 */
export function twilioSignature(authToken: string, url: string, fields: Record<string, string>): string {
  const data = Object.keys(fields)
    .sort()
    .reduce((acc, name) => `${acc}${name}${fields[name]}`, url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}
