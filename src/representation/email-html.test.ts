import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withAccountHeader } from '../../connectors/email/imap-source.js';
import { parseEmail } from '../../connectors/email/parse.js';
import type { MessageContent } from '../domain/message.js';
import { withRemoteImages, withSafeHtml } from './email-html.js';

type EmailContent = Extract<MessageContent, { type: 'email' }>;

const STORED_ID = '665f1c2ab3d4e5f6a7b8c9f0';

/** The fixture as ingest holds it once its inline image is stored. */
async function storedMail(name: string, storedId: string | undefined = STORED_ID): Promise<EmailContent> {
  const raw = withAccountHeader(readFileSync(new URL(`../../connectors/email/fixtures/${name}.eml`, import.meta.url)), 'support@omnigate.test');
  const [event] = await parseEmail({ rawBody: raw, receivedAt: new Date() });
  if (event?.kind !== 'message' || event.content.type !== 'email') throw new Error('expected an email message');
  return { ...event.content, attachments: event.content.attachments.map((a) => ({ ...a, ...(storedId && { state: 'stored' as const, storedId }) })) };
}

async function safeHtml(name: string, storedId?: string): Promise<string> {
  const safe = withSafeHtml(await storedMail(name, storedId));
  if (safe.type !== 'email' || !safe.html) throw new Error('expected HTML');
  return safe.html;
}

describe('HTML mail as stored', () => {
  it('loses scripts, style sheets, event handlers, forms, frames and javascript: links; keeps the text and its formatting', async () => {
    const html = await safeHtml('html-remote-content');
    for (const gone of ['<script', 'document.cookie', '<style', '<link', 'onload', 'onerror', 'onclick', 'javascript:', '<iframe', '<form', '<input', 'class=', 'Damaged box', 'position']) {
      expect(html).not.toContain(gone);
    }
    expect(html).toContain('<p style="color:#333333;font-size:14px">The box arrived <b>crushed</b>, see the photo.</p>');
    expect(html).toContain('<a href="https://shop.example.com/orders/1234" target="_blank" rel="noopener noreferrer">Order 1234</a>');
    expect(html).toContain('<td bgcolor="#eeeeee">Ana</td>');
  });

  it('blocks remote content: images keep their address in data-remote-src only, remote backgrounds go', async () => {
    const html = await safeHtml('html-remote-content');
    expect(html).not.toMatch(/\ssrc="https?:/);
    expect(html).not.toContain('url(');
    expect(html).not.toContain('background=');
    expect(html).toMatch(/<img width="1" height="1" alt="" data-remote-src="https:\/\/tracker\.example\.net\/open\.gif\?u=ana" \/>/);
  });

  it('points cid: images at the stored copy, and drops those that were not stored', async () => {
    expect(await safeHtml('html-remote-content')).toContain(`<img src="/v1/media/${STORED_ID}" alt="The crushed box" width="320" height="240" />`);
    const unstored = await safeHtml('html-remote-content', '');
    expect(unstored).toContain('<img alt="The crushed box" width="320" height="240" />');
    expect(unstored).not.toContain('cid:');
  });

  it('leaves content without HTML as it is', async () => {
    const plain = await storedMail('plain');
    expect(withSafeHtml(plain)).toBe(plain);
    const text: MessageContent = { type: 'text', text: '<b>hi</b>' };
    expect(withSafeHtml(text)).toBe(text);
  });
});

describe('remote images on request', () => {
  const shown = (content: MessageContent) => {
    const showing = withRemoteImages(content);
    return showing.type === 'email' ? (showing.html ?? '') : '';
  };

  it('are shown again from data-remote-src; nothing unsafe comes back', async () => {
    const html = shown({ ...(await storedMail('plain')), html: await safeHtml('html-remote-content') });
    expect(html).toContain('<img width="1" height="1" alt="" src="https://tracker.example.net/open.gif?u=ana" />');
    expect(html).toContain(`<img src="/v1/media/${STORED_ID}"`);
    expect(html).not.toContain('<script');
  });

  it("a sender's own data-remote-src is one more remote image: blocked until asked for, and never a script link", async () => {
    const forged = '<img data-remote-src="javascript:alert(1)" alt="x"><img src="cid:nothing" data-remote-src="https://evil.example/a.png">';
    const safe = withSafeHtml({ ...(await storedMail('plain')), html: forged });
    const html = safe.type === 'email' ? (safe.html ?? '') : '';
    expect(html).toBe('<img alt="x" /><img data-remote-src="https://evil.example/a.png" />');
    expect(shown({ ...safe, html } as MessageContent)).toBe('<img alt="x" /><img src="https://evil.example/a.png" />');
  });
});
