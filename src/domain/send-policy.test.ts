import { describe, expect, it } from 'vitest';
import { decideSend, replyWindow } from './send-policy.js';
import type { TemplateDefinition } from './template.js';
import { MESSAGE_TAGS, type ChannelCapabilities, type WindowRule } from './channel.js';

const MB = 1024 * 1024;
const whatsapp: ChannelCapabilities = {
  window: { hours: 24, outside: 'template' },
  outbound: ['text', 'image', 'template', 'interactive', 'reaction'],
  mediaMaxBytes: { image: 5 * MB, video: 16 * MB, audio: 16 * MB, document: 100 * MB, sticker: MB / 2 },
  sendPerSecond: 80,
  templates: 'name-language',
  conversations: 'contact',
  reportsSent: true,
};
const email: ChannelCapabilities = { ...whatsapp, window: null, outbound: ['text'] };
const messengerRule: WindowRule = { hours: 24, outside: 'tag', tags: [...MESSAGE_TAGS], humanAgentHours: 168 };
const messenger: ChannelCapabilities = { ...whatsapp, window: messengerRule, outbound: ['text', 'image'], templates: null };

const lastInbound = new Date('2026-03-01T12:00:00Z');
const at = (hours: number, minutes = 0) => new Date(lastInbound.getTime() + hours * 3_600_000 + minutes * 60_000);

const restart: TemplateDefinition = {
  name: 'restart',
  language: 'en_US',
  category: 'UTILITY',
  status: 'APPROVED',
  components: [{ type: 'BODY', text: 'Hi {{1}}, reply to continue.' }],
};
const templateContent = (params: string[]) => ({
  type: 'template' as const,
  template: { name: 'restart', language: 'en_US', components: [{ type: 'body' as const, parameters: params.map((text) => ({ type: 'text' as const, text })) }] },
});

describe('replyWindow', () => {
  it('is open at 23h59 and closed at 24h00 and 24h01', () => {
    expect(replyWindow(whatsapp.window, lastInbound, at(23, 59)).canReply).toBe(true);
    expect(replyWindow(whatsapp.window, lastInbound, at(24)).canReply).toBe(false);
    expect(replyWindow(whatsapp.window, lastInbound, at(24, 1))).toEqual({ canReply: false, windowExpiresAt: at(24), otherwise: 'template' });
  });

  it('is closed when the contact never wrote, and absent on channels without a window', () => {
    expect(replyWindow(whatsapp.window, undefined, at(0))).toEqual({ canReply: false, windowExpiresAt: null, otherwise: 'template' });
    expect(replyWindow(email.window, undefined, at(100))).toEqual({ canReply: true, windowExpiresAt: null, otherwise: null });
  });
});

describe('decideSend', () => {
  const base = { capabilities: whatsapp, window: whatsapp.window, lastInboundAt: lastInbound, sender: 'human' as const };

  it('allows free text inside the window and refuses it after with window_closed', () => {
    expect(decideSend({ ...base, content: { type: 'text', text: 'hi' }, now: at(23, 59) })).toBeNull();
    const refusal = decideSend({ ...base, content: { type: 'text', text: 'hi' }, now: at(24, 1) });
    expect(refusal?.code).toBe('window_closed');
    expect(refusal?.details).toMatchObject({ windowExpiresAt: at(24).toISOString(), allowed: 'template' });
  });

  it('asks for a template when the contact never wrote', () => {
    expect(decideSend({ ...base, lastInboundAt: undefined, content: { type: 'text', text: 'hi' }, now: at(1) })?.code).toBe('template_required');
  });

  it('refuses content the channel cannot send', () => {
    expect(decideSend({ ...base, content: { type: 'location', latitude: 1, longitude: 2 }, now: at(1) })?.code).toBe('unsupported_content');
  });

  it('allows an approved, matching template outside the window', () => {
    expect(decideSend({ ...base, content: templateContent(['Ana']), template: restart, now: at(48) })).toBeNull();
  });

  it('refuses missing, unapproved and mismatched templates with their own codes', () => {
    expect(decideSend({ ...base, content: templateContent(['Ana']), template: undefined, now: at(48) })?.code).toBe('template_not_found');
    for (const status of ['PENDING', 'REJECTED', 'PAUSED', 'DISABLED'] as const) {
      const refusal = decideSend({ ...base, content: templateContent(['Ana']), template: { ...restart, status }, now: at(1) });
      expect(refusal).toMatchObject({ code: 'template_not_approved', details: { status } });
    }
    const invalid = decideSend({ ...base, content: templateContent([]), template: restart, now: at(48) });
    expect(invalid?.code).toBe('template_invalid');
    expect((invalid?.details?.problems as unknown[]).length).toBeGreaterThan(0);
  });

  it('sends anything on a channel without a window', () => {
    expect(decideSend({ capabilities: email, window: null, lastInboundAt: undefined, sender: 'automation', content: { type: 'text', text: 'hi' }, now: at(1000) })).toBeNull();
  });

  it('refuses message tags on channels whose window is not tag-based', () => {
    expect(decideSend({ ...base, tag: 'ACCOUNT_UPDATE', content: { type: 'text', text: 'hi' }, now: at(1) })?.code).toBe('tag_not_allowed');
  });
});

describe('decideSend on a tag-based window (Messenger)', () => {
  const base = { capabilities: messenger, window: messengerRule, lastInboundAt: lastInbound, content: { type: 'text' as const, text: 'hi' } };

  it('allows RESPONSE inside 24 h and refuses untagged messages after, listing the usable tags', () => {
    expect(decideSend({ ...base, sender: 'automation', now: at(23, 59) })).toBeNull();
    const refusal = decideSend({ ...base, sender: 'human', now: at(24, 1) });
    expect(refusal?.code).toBe('window_closed');
    expect(refusal?.details?.tags).toEqual([
      { tag: 'HUMAN_AGENT', until: at(168).toISOString() },
      { tag: 'ACCOUNT_UPDATE', until: null },
      { tag: 'CONFIRMED_EVENT_UPDATE', until: null },
      { tag: 'POST_PURCHASE_UPDATE', until: null },
    ]);
  });

  it('allows HUMAN_AGENT for a human within 7 days, never for automation, never after 7 days', () => {
    expect(decideSend({ ...base, tag: 'HUMAN_AGENT', sender: 'human', now: at(167, 59) })).toBeNull();
    expect(decideSend({ ...base, tag: 'HUMAN_AGENT', sender: 'automation', now: at(30) })?.code).toBe('tag_not_allowed');
    expect(decideSend({ ...base, tag: 'HUMAN_AGENT', sender: 'automation', now: at(1) })?.code).toBe('tag_not_allowed');
    const late = decideSend({ ...base, tag: 'HUMAN_AGENT', sender: 'human', now: at(168, 1) });
    expect(late?.code).toBe('window_closed');
    expect(late?.details?.windowExpiresAt).toBe(at(168).toISOString());
  });

  it('refuses HUMAN_AGENT where the channel does not have it enabled', () => {
    const rule: WindowRule = { ...messengerRule, tags: ['ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE'] };
    const refusal = decideSend({ ...base, window: rule, tag: 'HUMAN_AGENT', sender: 'human', now: at(30) });
    expect(refusal?.code).toBe('tag_not_allowed');
    expect(replyWindow(rule, lastInbound, at(30)).tags?.map((t) => t.tag)).not.toContain('HUMAN_AGENT');
  });

  it('allows the non-promotional tags when named, by anyone, at any time', () => {
    for (const tag of ['ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE'] as const) {
      expect(decideSend({ ...base, tag, sender: 'automation', now: at(24 * 30) })).toBeNull();
    }
  });
});
