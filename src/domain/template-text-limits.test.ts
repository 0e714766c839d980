import { describe, expect, it } from 'vitest';
import type { TemplateSend } from './message.js';
import { codes, orderSend, orderUpdate, text, withBody } from './template-examples.testing.js';
import { renderTemplateText } from './template-rendering.js';
import { validateTemplateSend } from './template-send-validation.js';
import { TEMPLATE_TEXT_LIMITS } from './template-text-limits.js';

describe('validateTemplateSend: lengths', () => {
  const noteTemplate = withBody('Note: {{1}}');
  const noteSend = (note: string): TemplateSend => ({
    name: 'conversation_restart',
    language: 'en',
    components: [{ type: 'body', parameters: [text(note)] }],
  });

  it('accepts a body of exactly 1024 characters after substitution and refuses 1025', () => {
    const fits = 'x'.repeat(TEMPLATE_TEXT_LIMITS.body - 'Note: '.length);
    expect(renderTemplateText(noteTemplate, noteSend(fits)).body).toHaveLength(1024);
    expect(validateTemplateSend(noteTemplate, noteSend(fits))).toEqual([]);
    expect(codes(validateTemplateSend(noteTemplate, noteSend(`${fits}x`)))).toEqual([['text_too_long', 'components.body']]);
  });

  it('counts an emoji as one character', () => {
    const fits = `${'x'.repeat(TEMPLATE_TEXT_LIMITS.body - 'Note: '.length - 1)}🎉`;
    expect(validateTemplateSend(noteTemplate, noteSend(fits))).toEqual([]);
  });

  it('limits the header with its parameter to 60 characters', () => {
    const id = (length: number) => 'A'.repeat(length - 'Order '.length);
    expect(validateTemplateSend(orderUpdate, orderSend({ header: [text(id(60))] }))).toEqual([]);
    expect(codes(validateTemplateSend(orderUpdate, orderSend({ header: [text(id(61))] })))).toEqual([['text_too_long', 'components.header']]);
  });

  it('limits the footer to 60 characters and button texts to 25', () => {
    const definition = withBody('Hi', [
      { type: 'FOOTER', text: 'f'.repeat(61) },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'b'.repeat(25) }, { type: 'QUICK_REPLY', text: 'b'.repeat(26) }] },
    ]);
    expect(codes(validateTemplateSend(definition, { name: 'conversation_restart', language: 'en', components: [] }))).toEqual([
      ['text_too_long', 'definition.footer'],
      ['text_too_long', 'definition.buttons[1]'],
    ]);
  });
});
