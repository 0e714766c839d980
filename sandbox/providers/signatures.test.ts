import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../connectors/meta/signature.js';
import { metaJson, metaSignature } from './meta/webhook.js';
import { twilioSignature } from './whatsapp-twilio/signature.js';

/** The sandbox signs on its own; the gateway's checks (and Twilio's own library) must accept it. */
describe('the sandbox signs webhooks as the providers do', () => {
  it('Meta: X-Hub-Signature-256 over the bytes, with non-ASCII escaped as Meta writes it', () => {
    const body = metaJson({ text: { body: 'Olá, 你好 👋' } });
    expect(body).toBe('{"text":{"body":"Ol\\u00e1, \\u4f60\\u597d \\ud83d\\udc4b"}}');
    expect(JSON.parse(body)).toEqual({ text: { body: 'Olá, 你好 👋' } });
    const signed = { rawBody: Buffer.from(body), headers: { 'x-hub-signature-256': metaSignature(body, 'app-secret') } };
    expect(verifySignature(signed, { secrets: { appSecret: 'app-secret', verifyToken: 'v' } })).toBe(true);
    expect(verifySignature(signed, { secrets: { appSecret: 'another', verifyToken: 'v' } })).toBe(false);
  });

  it('Twilio: X-Twilio-Signature over the URL and the sorted fields', () => {
    const url = 'http://localhost:8080/webhooks/whatsapp-twilio/6650aa0000000000000000aa';
    const fields = { To: 'whatsapp:+14155238886', From: 'whatsapp:+16505551234', Body: 'Olá + ça va?', MessageSid: 'SM1' };
    const signature = twilioSignature('auth-token', url, fields);
    expect(signature).toBe(twilio.getExpectedTwilioSignature('auth-token', url, fields));
    expect(twilio.validateRequest('auth-token', signature, url, fields)).toBe(true);
  });
});
