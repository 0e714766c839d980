import type { TemplateComponentValues, TemplateParameter, TemplateSend } from './message.js';
import type { TemplateProblem } from './template-problem.js';
import type { TemplateComponentDefinition, TemplateDefinition } from './template.js';

/** Template definitions and sends the template tests share; each send, as built, fits its definition. */

export const orderUpdate: TemplateDefinition = {
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

export const springSale: TemplateDefinition = {
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

export const appointmentReminder: TemplateDefinition = {
  name: 'appointment_reminder',
  language: 'pt_BR',
  category: 'UTILITY',
  status: 'APPROVED',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Appointment {{appointment_id}}' },
    { type: 'BODY', text: 'Hello {{first_name}}, your visit with {{doctor_name}} is on {{visit_date}}. See you, {{first_name}}!' },
  ],
};

export const conversationRestart: TemplateDefinition = {
  name: 'conversation_restart',
  language: 'en',
  category: 'UTILITY',
  status: 'APPROVED',
  components: [{ type: 'BODY', text: 'We have an update on your request. Reply to this message to continue the conversation.' }],
};

export const text = (value: string, parameter_name?: string): TemplateParameter =>
  parameter_name === undefined ? { type: 'text', text: value } : { type: 'text', text: value, parameter_name };

export function orderSend(overrides: { header?: TemplateParameter[]; body?: TemplateParameter[]; buttons?: TemplateComponentValues[] } = {}): TemplateSend {
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

export function saleSend(header: TemplateParameter[] = [{ type: 'image', image: { link: 'https://cdn.example.com/spring.jpg' } }], body?: TemplateParameter[]): TemplateSend {
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

export function appointmentSend(body: TemplateParameter[]): TemplateSend {
  return {
    name: 'appointment_reminder',
    language: 'pt_BR',
    components: [
      { type: 'header', parameters: [text('AP-77', 'appointment_id')] },
      { type: 'body', parameters: body },
    ],
  };
}

export const validAppointmentBody = [text('Ana', 'first_name'), text('Dr. Souza', 'doctor_name'), text('12 May, 10:30', 'visit_date')];

/** The problems as [code, path] pairs: what callers decide on. */
export const codes = (problems: TemplateProblem[]) => problems.map((p) => [p.code, p.path]);

export function withBody(bodyText: string, extra: TemplateComponentDefinition[] = []): TemplateDefinition {
  return { ...conversationRestart, components: [{ type: 'BODY', text: bodyText }, ...extra] };
}
