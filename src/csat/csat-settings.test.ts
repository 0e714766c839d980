import { describe, expect, it } from 'vitest';
import { csatSettingsBody, csatSettingsOf, csatSettingsUpdate, DEFAULT_CSAT_SETTINGS, renderCsatMessage } from './csat-settings.js';

describe('CSAT settings', () => {
  it('fill in the defaults: off, with a message carrying the link', () => {
    expect(csatSettingsOf(null)).toEqual(DEFAULT_CSAT_SETTINGS);
    expect(csatSettingsOf({ settings: {} })).toEqual({ enabled: false, message: expect.stringContaining('{{link}}') });
    expect(csatSettingsOf({ settings: { csat: { enabled: true } } })).toEqual({ enabled: true, message: DEFAULT_CSAT_SETTINGS.message });
    expect(csatSettingsOf({ settings: { csat: { message: 'Rate: {{link}}' } } })).toEqual({ enabled: false, message: 'Rate: {{link}}' });
  });

  it('render every {{link}} of the message', () => {
    expect(renderCsatMessage('{{link}} or {{link}}', 'https://x/csat/t')).toBe('https://x/csat/t or https://x/csat/t');
  });

  it('accept either field alone, refuse a message without the link, and update field by field', () => {
    expect(csatSettingsBody.parse({ enabled: true })).toEqual({ enabled: true });
    expect(csatSettingsBody.parse({ message: '  Rate us: {{link}} ' })).toEqual({ message: 'Rate us: {{link}}' });
    for (const bad of [{}, { message: 'no link' }, { enabled: 'yes' }, { enabled: true, other: 1 }]) expect(csatSettingsBody.safeParse(bad).success).toBe(false);
    expect(csatSettingsUpdate({ enabled: false })).toEqual({ 'settings.csat.enabled': false });
  });
});
