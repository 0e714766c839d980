import { describe, expect, it } from 'vitest';
import { appointmentReminder, appointmentSend, conversationRestart, orderSend, orderUpdate, saleSend, springSale, text, validAppointmentBody } from './template-examples.testing.js';
import { renderTemplateText } from './template-rendering.js';

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
