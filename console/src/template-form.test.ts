import { describe, expect, it } from 'vitest';
import { componentsOf, previewOf, slotsOf } from './template-form.js';
import type { Template } from './types.js';

const template = (components: Template['components']): Template => ({ id: 't1', name: 'order_update', language: 'en', status: 'APPROVED', components });

describe('the template form', () => {
  const order = template([
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
    { type: 'BODY', text: 'Hi {{1}}, your order {{2}} is now {{3}}. {{1}}, thanks!' },
    { type: 'FOOTER', text: 'Sent by {{1}} (not a parameter)' },
  ]);

  it('asks for each placeholder of the header and body once, in order', () => {
    expect(slotsOf(order).map((s) => `${s.component}.${s.key}`)).toEqual(['header.1', 'body.1', 'body.2', 'body.3']);
  });

  it('sends the values as the components the API takes, named parameters by their name', () => {
    expect(componentsOf(slotsOf(order), { 'header.1': 'A-17', 'body.1': 'Ana', 'body.2': 'A-17', 'body.3': 'shipped' })).toEqual([
      { type: 'header', parameters: [{ type: 'text', text: 'A-17' }] },
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Ana' },
          { type: 'text', text: 'A-17' },
          { type: 'text', text: 'shipped' },
        ],
      },
    ]);
    const named = template([{ type: 'BODY', text: 'Hello {{first_name}}' }]);
    expect(componentsOf(slotsOf(named), { 'body.first_name': 'Ana' })).toEqual([{ type: 'body', parameters: [{ type: 'text', text: 'Ana', parameter_name: 'first_name' }] }]);
  });

  it('previews the body with what is filled in, leaving the rest as placeholders', () => {
    expect(previewOf(order, { 'body.1': 'Ana' })).toBe('Hi Ana, your order {{2}} is now {{3}}. Ana, thanks!');
  });
});
