import { describe, expect, it } from 'vitest';
import type { TemplateParameter } from './message.js';
import { codes, orderSend, orderUpdate, saleSend, springSale, text } from './template-examples.testing.js';
import { validateTemplateSend } from './template-send-validation.js';

describe('validateTemplateSend: parameter values', () => {
  const bodyProblem = (value: TemplateParameter) =>
    codes(validateTemplateSend(orderUpdate, orderSend({ body: [text('Ana'), value, text('shipped')] })));

  it.each([
    ['an empty text', text('')],
    ['a blank text', text('   ')],
    ['a newline', text('A-1042\nA-1043')],
    ['a tab', text('A-1042\tA-1043')],
    ['5 consecutive spaces', text('A-1042     A-1043')],
    ['a text parameter without text', { type: 'text' } as TemplateParameter],
    ['a currency without fallback_value', { type: 'currency', currency: { fallback_value: '', code: 'EUR', amount_1000: 1000 } } as TemplateParameter],
    ['a currency code that is not 3 letters', { type: 'currency', currency: { fallback_value: '€1', code: 'euro', amount_1000: 1000 } } as TemplateParameter],
    ['a fractional amount_1000', { type: 'currency', currency: { fallback_value: '€1.5', code: 'EUR', amount_1000: 1500.5 } } as TemplateParameter],
    ['a currency parameter without currency', { type: 'currency' } as TemplateParameter],
    ['a date_time without fallback_value', { type: 'date_time', date_time: { fallback_value: '' } } as TemplateParameter],
  ])('reports %s in the body', (_label, value) => {
    expect(bodyProblem(value)).toEqual([['parameter_invalid', 'components.body.parameters[1]']]);
  });

  it('reports a media parameter in the body', () => {
    expect(bodyProblem({ type: 'image', image: { id: '1' } })).toEqual([['parameter_type_mismatch', 'components.body.parameters[1]']]);
  });

  it('reports a newline in a header parameter but allows a tab there', () => {
    expect(codes(validateTemplateSend(orderUpdate, orderSend({ header: [text('A-\n1042')] })))).toEqual([
      ['parameter_invalid', 'components.header.parameters[0]'],
    ]);
    expect(validateTemplateSend(orderUpdate, orderSend({ header: [text('A-\t1042')] }))).toEqual([]);
  });
});

describe('validateTemplateSend: media values', () => {
  it('reports media without link or id, and a link that is not http(s)', () => {
    expect(codes(validateTemplateSend(springSale, saleSend([{ type: 'image', image: {} }])))).toEqual([
      ['parameter_invalid', 'components.header.parameters[0]'],
    ]);
    expect(codes(validateTemplateSend(springSale, saleSend([{ type: 'image', image: { link: '/media/spring.jpg' } }])))).toEqual([
      ['parameter_invalid', 'components.header.parameters[0]'],
    ]);
  });
});
