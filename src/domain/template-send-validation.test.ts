import { describe, expect, it } from 'vitest';
import type { TemplateComponentValues, TemplateParameter, TemplateSend } from './message.js';
import type { TemplateDefinition } from './template.js';
import { appointmentReminder, appointmentSend, codes, conversationRestart, orderSend, orderUpdate, saleSend, springSale, text, validAppointmentBody, withBody } from './template-examples.testing.js';
import { validateTemplateSend } from './template-send-validation.js';

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
