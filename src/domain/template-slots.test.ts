import { describe, expect, it } from 'vitest';
import { appointmentReminder, codes, conversationRestart, orderUpdate, springSale, withBody } from './template-examples.testing.js';
import { templateParameterSlots } from './template-slots.js';

describe('templateParameterSlots', () => {
  it('lists positional header, body and button slots of an order update', () => {
    expect(templateParameterSlots(orderUpdate)).toEqual({
      header: { kind: 'text', placeholders: { format: 'positional', indexes: [1] } },
      body: { format: 'positional', indexes: [1, 2, 3] },
      buttons: [
        { index: 0, subType: 'url', parameterType: 'text', required: true },
        { index: 1, subType: 'quick_reply', parameterType: 'payload', required: false },
      ],
      definitionProblems: [],
    });
  });

  it('lists names once each, in order of first use', () => {
    const slots = templateParameterSlots(appointmentReminder);
    expect(slots.header).toEqual({ kind: 'text', placeholders: { format: 'named', names: ['appointment_id'] } });
    expect(slots.body).toEqual({ format: 'named', names: ['first_name', 'doctor_name', 'visit_date'] });
  });

  it('expects a media parameter for an image header and nothing for a static URL button', () => {
    const slots = templateParameterSlots(springSale);
    expect(slots.header).toEqual({ kind: 'media', mediaType: 'image' });
    expect(slots.buttons).toEqual([{ index: 1, subType: 'quick_reply', parameterType: 'payload', required: false }]);
  });

  it('expects nothing from a template without parameters', () => {
    expect(templateParameterSlots(conversationRestart)).toEqual({ buttons: [], definitionProblems: [] });
  });

  it.each([
    ['mixed positional and named', withBody('Hi {{1}}, order {{order_id}}'), 'definition.body'],
    ['a gap in positional numbers', withBody('Hi {{1}}, order {{3}}'), 'definition.body'],
    ['a malformed placeholder', withBody('Hi {{First Name}}'), 'definition.body'],
    ['a zero placeholder', withBody('Hi {{0}}'), 'definition.body'],
    ['two header parameters', { ...orderUpdate, components: [{ type: 'HEADER' as const, format: 'TEXT' as const, text: '{{1}} {{2}}' }] }, 'definition.header'],
    ['a URL with {{2}}', withBody('Hi', [{ type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Open', url: 'https://x.example/{{2}}' }] }]), 'definition.buttons[0]'],
    [
      'named header with positional body',
      { ...orderUpdate, components: [{ type: 'HEADER' as const, format: 'TEXT' as const, text: 'Order {{order_id}}' }, { type: 'BODY' as const, text: 'Hi {{1}}' }] },
      'definition',
    ],
  ])('reports %s in the definition', (_label, definition, path) => {
    expect(codes(templateParameterSlots(definition).definitionProblems)).toContainEqual(['definition_invalid', path]);
  });
});
