import { describe, expect, it } from 'vitest';
import { renderSend } from './render.js';
import { TemplateCatalog } from './templates.js';

describe('a Cloud API send as the phone shows it', () => {
  it('fills a shipped template with its header, body and button parameters, positional or named', async () => {
    const catalog = await TemplateCatalog.shipped();
    const send = {
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en' },
        components: [
          { type: 'header', parameters: [{ type: 'text', text: '77' }] },
          { type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '77' }, { type: 'text', text: 'packed' }] },
        ],
      },
    };
    expect(renderSend(send, catalog)).toBe('*Order 77*\nHi Ana, your order 77 is now packed. Reply here if you have any questions.\nSent by Omnigate demo\n[Track order]');
    catalog.add({ name: 'named', language: 'en', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'BODY', text: 'Hi {{first_name}}' }] });
    const named = { type: 'template', template: { name: 'named', language: { code: 'en' }, components: [{ type: 'body', parameters: [{ type: 'text', parameter_name: 'first_name', text: 'Kim' }] }] } };
    expect(renderSend(named, catalog)).toBe('Hi Kim');
  });

  it('shows other content by kind', async () => {
    const catalog = new TemplateCatalog();
    expect(renderSend({ type: 'image', image: { link: 'https://example.com/a.png', caption: 'Your receipt' } }, catalog)).toBe('[image] https://example.com/a.png\nYour receipt');
    expect(renderSend({ type: 'interactive', interactive: { type: 'button', body: { text: 'Pick one' }, action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'Yes' } }, { type: 'reply', reply: { id: 'b', title: 'No' } }] } } }, catalog)).toBe(
      'Pick one\n[Yes] [No]',
    );
    expect(renderSend({ type: 'template', template: { name: 'unknown', language: { code: 'en' }, components: [] } }, catalog)).toBe('[template unknown (en)] ');
  });
});
