import { describe, expect, it } from 'vitest';
import type { TemplateComponentValues, TemplateParameter, TemplateSend } from './message.js';
import type { TemplateComponentDefinition, TemplateDefinition } from './template.js';
import {
  renderTemplateText,
  TEMPLATE_TEXT_LIMITS,
  templateParameterSlots,
  validateTemplateSend,
  type TemplateProblem,
} from './template-validation.js';

const orderUpdate: TemplateDefinition = {
  name: 'order_update',
  language: 'en',
  category: 'UTILITY',
  status: 'APPROVED',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
    { type: 'BODY', text: 'Hi {{1}}, your order {{2}} is now {{3}}. Reply here if you have any questions.' },
    { type: 'FOOTER', text: 'Sent by Omnigate demo' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'URL', text: 'Track order', url: 'https://shop.example.com/orders/{{1}}' },
        { type: 'QUICK_REPLY', text: 'Talk to an agent' },
      ],
    },
  ],
};

const springSale: TemplateDefinition = {
  name: 'spring_sale',
  language: 'en_US',
  category: 'MARKETING',
  status: 'APPROVED',
  components: [
    { type: 'HEADER', format: 'IMAGE' },
    { type: 'BODY', text: 'Hi {{1}}, our spring sale ends {{2}}. Save {{3}} on your next order.' },
    { type: 'FOOTER', text: 'Reply STOP to opt out' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'URL', text: 'Shop now', url: 'https://shop.example.com/sale' },
        { type: 'QUICK_REPLY', text: 'Stop promotions' },
      ],
    },
  ],
};

const appointmentReminder: TemplateDefinition = {
  name: 'appointment_reminder',
  language: 'pt_BR',
  category: 'UTILITY',
  status: 'APPROVED',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Appointment {{appointment_id}}' },
    { type: 'BODY', text: 'Hello {{first_name}}, your visit with {{doctor_name}} is on {{visit_date}}. See you, {{first_name}}!' },
  ],
};

const conversationRestart: TemplateDefinition = {
  name: 'conversation_restart',
  language: 'en',
  category: 'UTILITY',
  status: 'APPROVED',
  components: [{ type: 'BODY', text: 'We have an update on your request. Reply to this message to continue the conversation.' }],
};

const text = (value: string, parameter_name?: string): TemplateParameter =>
  parameter_name === undefined ? { type: 'text', text: value } : { type: 'text', text: value, parameter_name };

function orderSend(overrides: { header?: TemplateParameter[]; body?: TemplateParameter[]; buttons?: TemplateComponentValues[] } = {}): TemplateSend {
  return {
    name: 'order_update',
    language: 'en',
    components: [
      { type: 'header', parameters: overrides.header ?? [text('A-1042')] },
      { type: 'body', parameters: overrides.body ?? [text('Ana'), text('A-1042'), text('shipped')] },
      ...(overrides.buttons ?? [{ type: 'button' as const, sub_type: 'url' as const, index: 0, parameters: [text('A-1042')] }]),
    ],
  };
}

function saleSend(header: TemplateParameter[] = [{ type: 'image', image: { link: 'https://cdn.example.com/spring.jpg' } }], body?: TemplateParameter[]): TemplateSend {
  return {
    name: 'spring_sale',
    language: 'en_US',
    components: [
      { type: 'header', parameters: header },
      {
        type: 'body',
        parameters: body ?? [
          text('Ana'),
          { type: 'date_time', date_time: { fallback_value: 'March 31' } },
          { type: 'currency', currency: { fallback_value: '$10.00', code: 'USD', amount_1000: 10_000 } },
        ],
      },
    ],
  };
}

function appointmentSend(body: TemplateParameter[]): TemplateSend {
  return {
    name: 'appointment_reminder',
    language: 'pt_BR',
    components: [
      { type: 'header', parameters: [text('AP-77', 'appointment_id')] },
      { type: 'body', parameters: body },
    ],
  };
}

const validAppointmentBody = [text('Ana', 'first_name'), text('Dr. Souza', 'doctor_name'), text('12 May, 10:30', 'visit_date')];

/** The problems as [code, path] pairs: what callers decide on. */
const codes = (problems: TemplateProblem[]) => problems.map((p) => [p.code, p.path]);

function withBody(bodyText: string, extra: TemplateComponentDefinition[] = []): TemplateDefinition {
  return { ...conversationRestart, components: [{ type: 'BODY', text: bodyText }, ...extra] };
}

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

describe('validateTemplateSend: valid sends', () => {
  it('accepts an order update with header, body and URL suffix', () => {
    expect(validateTemplateSend(orderUpdate, orderSend())).toEqual([]);
  });

  it('accepts an optional quick-reply payload', () => {
    const buttons: TemplateComponentValues[] = [
      { type: 'button', sub_type: 'url', index: 0, parameters: [text('A-1042')] },
      { type: 'button', sub_type: 'quick_reply', index: 1, parameters: [{ type: 'payload', payload: 'agent:A-1042' }] },
    ];
    expect(validateTemplateSend(orderUpdate, orderSend({ buttons }))).toEqual([]);
  });

  it('accepts an image header by link or by uploaded id, with date_time and currency body values', () => {
    expect(validateTemplateSend(springSale, saleSend())).toEqual([]);
    expect(validateTemplateSend(springSale, saleSend([{ type: 'image', image: { id: '1234567890' } }]))).toEqual([]);
  });

  it('accepts named parameters in any order', () => {
    expect(validateTemplateSend(appointmentReminder, appointmentSend([...validAppointmentBody].reverse()))).toEqual([]);
  });

  it('accepts a template without parameters with no components, or an empty body component', () => {
    expect(validateTemplateSend(conversationRestart, { name: 'conversation_restart', language: 'en', components: [] })).toEqual([]);
    const send: TemplateSend = { name: 'conversation_restart', language: 'en', components: [{ type: 'body', parameters: [] }] };
    expect(validateTemplateSend(conversationRestart, send)).toEqual([]);
  });

  it('accepts up to 4 consecutive spaces in a body parameter', () => {
    expect(validateTemplateSend(orderUpdate, orderSend({ body: [text('Ana    Lima'), text('A-1042'), text('shipped')] }))).toEqual([]);
  });

  it('does not check a location header (no location parameter type yet)', () => {
    const definition: TemplateDefinition = { ...conversationRestart, components: [{ type: 'HEADER', format: 'LOCATION' }, ...conversationRestart.components] };
    expect(validateTemplateSend(definition, { name: 'conversation_restart', language: 'en', components: [] })).toEqual([]);
  });
});

describe('validateTemplateSend: template identity', () => {
  it('reports a language other than the definition’s', () => {
    expect(codes(validateTemplateSend(orderUpdate, { ...orderSend(), language: 'en_US' }))).toEqual([['language_mismatch', 'language']]);
  });

  it('reports a name other than the definition’s', () => {
    expect(codes(validateTemplateSend(orderUpdate, { ...orderSend(), name: 'order_updates' }))).toEqual([['name_mismatch', 'name']]);
  });

  it('reports a malformed definition instead of checking parameters against it', () => {
    const definition = withBody('Hi {{1}}, order {{order_id}}');
    const send: TemplateSend = { name: 'conversation_restart', language: 'en', components: [] };
    expect(codes(validateTemplateSend(definition, send))).toEqual([['definition_invalid', 'definition.body']]);
  });
});

describe('validateTemplateSend: components', () => {
  it('reports a missing body', () => {
    const send = orderSend();
    send.components = send.components.filter((c) => c.type !== 'body');
    expect(codes(validateTemplateSend(orderUpdate, send))).toEqual([['component_missing', 'components.body']]);
  });

  it('reports a missing URL button value', () => {
    expect(codes(validateTemplateSend(orderUpdate, orderSend({ buttons: [] })))).toEqual([['component_missing', 'components.button[0]']]);
  });

  it('reports parameters for a template that takes none', () => {
    const send: TemplateSend = { name: 'conversation_restart', language: 'en', components: [{ type: 'body', parameters: [text('Ana')] }] };
    expect(codes(validateTemplateSend(conversationRestart, send))).toEqual([['component_unexpected', 'components.body']]);
  });

  it('reports parameters for a static URL button and a button that does not exist', () => {
    const send = saleSend();
    send.components.push(
      { type: 'button', sub_type: 'url', index: 0, parameters: [text('spring')] },
      { type: 'button', sub_type: 'quick_reply', index: 4, parameters: [] },
    );
    expect(codes(validateTemplateSend(springSale, send))).toEqual([
      ['component_unexpected', 'components.button[0]'],
      ['component_unexpected', 'components.button[4]'],
    ]);
  });

  it('reports a duplicated component', () => {
    const send = orderSend();
    send.components.push({ type: 'body', parameters: [text('Ana'), text('A-1042'), text('shipped')] });
    expect(codes(validateTemplateSend(orderUpdate, send))).toEqual([['component_duplicate', 'components.body']]);
  });

  it('reports a button component without an index and one with the wrong sub_type', () => {
    const noIndex = orderSend({ buttons: [{ type: 'button', sub_type: 'url', parameters: [text('A-1042')] }] });
    expect(codes(validateTemplateSend(orderUpdate, noIndex))).toEqual([
      ['component_invalid', 'components[2]'],
      ['component_missing', 'components.button[0]'],
    ]);
    const wrongSubType = orderSend({ buttons: [{ type: 'button', sub_type: 'quick_reply', index: 0, parameters: [text('A-1042')] }] });
    expect(codes(validateTemplateSend(orderUpdate, wrongSubType))).toEqual([['component_invalid', 'components.button[0]']]);
  });
});

describe('validateTemplateSend: positional parameters', () => {
  it('reports too few body parameters', () => {
    const problems = validateTemplateSend(orderUpdate, orderSend({ body: [text('Ana'), text('A-1042')] }));
    expect(codes(problems)).toEqual([['parameter_count_mismatch', 'components.body']]);
    expect(problems[0]?.message).toContain('takes 3');
  });

  it('reports too many header parameters', () => {
    expect(codes(validateTemplateSend(orderUpdate, orderSend({ header: [text('A-1042'), text('extra')] })))).toEqual([
      ['parameter_count_mismatch', 'components.header'],
    ]);
  });

  it('reports a parameter_name in a positional template', () => {
    const body = [text('Ana'), text('A-1042', 'order_id'), text('shipped')];
    expect(codes(validateTemplateSend(orderUpdate, orderSend({ body })))).toEqual([['unknown_parameter', 'components.body.parameters[1]']]);
  });

  it('reports a URL button parameter of the wrong type or empty', () => {
    const wrongType = orderSend({ buttons: [{ type: 'button', sub_type: 'url', index: 0, parameters: [{ type: 'payload', payload: 'x' }] }] });
    expect(codes(validateTemplateSend(orderUpdate, wrongType))).toEqual([['parameter_type_mismatch', 'components.button[0].parameters[0]']]);
    const empty = orderSend({ buttons: [{ type: 'button', sub_type: 'url', index: 0, parameters: [text('')] }] });
    expect(codes(validateTemplateSend(orderUpdate, empty))).toEqual([['parameter_invalid', 'components.button[0].parameters[0]']]);
  });

  it('reports a quick-reply component without exactly one non-empty payload', () => {
    const url: TemplateComponentValues = { type: 'button', sub_type: 'url', index: 0, parameters: [text('A-1042')] };
    const noPayload = orderSend({ buttons: [url, { type: 'button', sub_type: 'quick_reply', index: 1, parameters: [] }] });
    expect(codes(validateTemplateSend(orderUpdate, noPayload))).toEqual([['parameter_count_mismatch', 'components.button[1]']]);
    const blank = orderSend({ buttons: [url, { type: 'button', sub_type: 'quick_reply', index: 1, parameters: [{ type: 'payload', payload: ' ' }] }] });
    expect(codes(validateTemplateSend(orderUpdate, blank))).toEqual([['parameter_invalid', 'components.button[1].parameters[0]']]);
  });
});

describe('validateTemplateSend: named parameters', () => {
  it('reports a defined name that is not sent', () => {
    const problems = validateTemplateSend(appointmentReminder, appointmentSend(validAppointmentBody.slice(0, 2)));
    expect(codes(problems)).toEqual([['parameter_missing', 'components.body']]);
    expect(problems[0]?.message).toContain('{{visit_date}}');
  });

  it('reports a name the template does not have', () => {
    const body = [...validAppointmentBody, text('Room 4', 'room')];
    expect(codes(validateTemplateSend(appointmentReminder, appointmentSend(body)))).toEqual([['unknown_parameter', 'components.body.parameters[3]']]);
  });

  it('reports a name sent twice', () => {
    const body = [...validAppointmentBody, text('Ana', 'first_name')];
    expect(codes(validateTemplateSend(appointmentReminder, appointmentSend(body)))).toEqual([['parameter_duplicate', 'components.body.parameters[3]']]);
  });

  it('reports a parameter without parameter_name', () => {
    const body = [text('Ana'), text('Dr. Souza', 'doctor_name'), text('12 May', 'visit_date')];
    expect(codes(validateTemplateSend(appointmentReminder, appointmentSend(body)))).toEqual([
      ['parameter_invalid', 'components.body.parameters[0]'],
      ['parameter_missing', 'components.body'],
    ]);
  });
});

describe('validateTemplateSend: media headers', () => {
  it('reports a missing header', () => {
    const send = saleSend();
    send.components = send.components.filter((c) => c.type !== 'header');
    expect(codes(validateTemplateSend(springSale, send))).toEqual([['component_missing', 'components.header']]);
  });

  it('reports a parameter of another media type', () => {
    const problems = validateTemplateSend(springSale, saleSend([{ type: 'video', video: { link: 'https://cdn.example.com/a.mp4' } }]));
    expect(codes(problems)).toEqual([['parameter_type_mismatch', 'components.header.parameters[0]']]);
  });

  it('reports media without link or id, and a link that is not http(s)', () => {
    expect(codes(validateTemplateSend(springSale, saleSend([{ type: 'image', image: {} }])))).toEqual([
      ['parameter_invalid', 'components.header.parameters[0]'],
    ]);
    expect(codes(validateTemplateSend(springSale, saleSend([{ type: 'image', image: { link: '/media/spring.jpg' } }])))).toEqual([
      ['parameter_invalid', 'components.header.parameters[0]'],
    ]);
  });

  it('reports more than one header parameter', () => {
    const image: TemplateParameter = { type: 'image', image: { id: '1' } };
    expect(codes(validateTemplateSend(springSale, saleSend([image, image])))).toEqual([['parameter_count_mismatch', 'components.header']]);
  });

  it('takes a document for a document header', () => {
    const definition: TemplateDefinition = { ...springSale, components: [{ type: 'HEADER', format: 'DOCUMENT' }, ...springSale.components.slice(1)] };
    const send = saleSend([{ type: 'document', document: { id: '987', filename: 'invoice.pdf' } }]);
    expect(validateTemplateSend(definition, send)).toEqual([]);
  });
});

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

describe('renderTemplateText', () => {
  it('substitutes positional parameters in header and body and keeps the footer', () => {
    expect(renderTemplateText(orderUpdate, orderSend())).toEqual({
      header: 'Order A-1042',
      body: 'Hi Ana, your order A-1042 is now shipped. Reply here if you have any questions.',
      footer: 'Sent by Omnigate demo',
    });
  });

  it('substitutes named parameters wherever they appear', () => {
    expect(renderTemplateText(appointmentReminder, appointmentSend(validAppointmentBody))).toEqual({
      header: 'Appointment AP-77',
      body: 'Hello Ana, your visit with Dr. Souza is on 12 May, 10:30. See you, Ana!',
    });
  });

  it('shows fallback values for date_time and currency and has no header text for an image header', () => {
    expect(renderTemplateText(springSale, saleSend())).toEqual({
      body: 'Hi Ana, our spring sale ends March 31. Save $10.00 on your next order.',
      footer: 'Reply STOP to opt out',
    });
  });

  it('leaves placeholders without a value as written and inserts values literally', () => {
    const rendered = renderTemplateText(orderUpdate, orderSend({ header: [], body: [text('$& $1')] }));
    expect(rendered.header).toBe('Order {{1}}');
    expect(rendered.body).toBe('Hi $& $1, your order {{2}} is now {{3}}. Reply here if you have any questions.');
  });

  it('renders a template without parameters as defined', () => {
    expect(renderTemplateText(conversationRestart, { name: 'conversation_restart', language: 'en', components: [] })).toEqual({
      body: 'We have an update on your request. Reply to this message to continue the conversation.',
    });
  });
});
