import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { ProviderSendError, type ChannelAccess, type PullHandle, type PullSink } from '../contract.js';
import { withAccountHeader } from './imap-source.js';
import { createEmailConnector, type EmailSecrets, type EmailSettings } from './index.js';
import { settingsSchema } from './settings.js';

const MB = 1024 * 1024;
const connector = createEmailConnector();
const settings = settingsSchema.parse({
  address: 'Support@Omnigate.test',
  imap: { host: 'imap.omnigate.test', port: 993, secure: true, user: 'support@omnigate.test' },
  smtp: { host: 'smtp.omnigate.test', port: 587, secure: false, user: 'support@omnigate.test' },
});
const channel: ChannelAccess<EmailSettings, EmailSecrets> = {
  id: 'ch-email',
  workspaceId: 'ws1',
  webhookUrl: 'https://gateway.example.test/webhooks/email/ch-email',
  settings,
  secrets: { imapPassword: 'imap-pass', smtpPassword: 'smtp-pass' },
};

describe('createEmailConnector', () => {
  it('declares what the channel can do: no window, threads as conversations, 25 MB attachments', () => {
    expect(connector.type).toBe('email');
    expect(connector.capabilities).toEqual({
      window: null,
      outbound: ['text', 'email', 'image', 'document', 'video', 'audio'],
      mediaMaxBytes: { image: 25 * MB, video: 25 * MB, audio: 25 * MB, document: 25 * MB, sticker: 25 * MB },
      sendPerSecond: 5,
      templates: null,
      conversations: 'thread',
      reportsSent: false,
    });
  });

  it('routes by the mailbox address, lowercased (the X-Omnigate-Account the watcher writes)', async () => {
    expect(connector.accountIdOf(channel)).toBe('support@omnigate.test');
    const raw = withAccountHeader(readFileSync(new URL('./fixtures/plain.eml', import.meta.url)), channel.settings.address);
    const [event] = await connector.parse({ rawBody: raw, headers: { 'content-type': 'message/rfc822' }, receivedAt: new Date() });
    expect(event?.accountId).toBe(connector.accountIdOf(channel));
  });

  it('has no webhook: no handshake, every request refused, the ack never used', () => {
    expect(connector.handshake).toBeUndefined();
    const req = { url: channel.webhookUrl, headers: {}, query: {}, rawBody: Buffer.from('From: x@y.test\r\n\r\nhi') };
    expect(connector.verify(req, channel)).toBe(false);
    expect(connector.ackReply.status).toBe(200);
  });

  it('pulls with the IMAP watcher by default, or with the watcher it is given', () => {
    expect(connector.startPulling).toBeTypeOf('function');
    const handle: PullHandle = { stop: async () => {} };
    const sink = {} as PullSink;
    const startPulling = vi.fn(() => handle);
    expect(createEmailConnector({ startPulling }).startPulling?.(channel, sink)).toBe(handle);
    expect(startPulling).toHaveBeenCalledWith(channel, sink, expect.anything());
  });

  it('has no media to fetch: attachments come inside the mail', async () => {
    const err = await connector.fetchMedia({ providerMediaId: 'x' }, channel).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderSendError);
    expect(err).toMatchObject({ code: 'media_inline_only', outcome: 'final' });
  });

  it('validates settings with defaults for the IMAP folders and timings', () => {
    expect(settings.imap).toEqual({
      host: 'imap.omnigate.test',
      port: 993,
      secure: true,
      user: 'support@omnigate.test',
      mailbox: 'INBOX',
      sentFolder: 'Sent',
      pollSeconds: 60,
      idleRestartSeconds: 540,
    });
    expect(connector.secretsSchema.safeParse({ imapPassword: 'x' }).success).toBe(false);
  });
});
