import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendFailureOutcome } from '../../src/domain/message.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import type { ConnectorKit, InboundContext, ReportedStatus } from './connector-kit.js';
import { useProviderStandIns } from '../support/provider-stand-ins.js';

const HOUR = 3_600_000;
const FAILURES: readonly SendFailureOutcome[] = ['final', 'window_closed', 'retry'];

interface ContractChannel {
  id: string;
  accountId: string;
  webhookUrl: string;
  /** Path of webhookUrl: where the harness receives what the provider would post to it. */
  webhookPath: string;
  secrets: Record<string, string>;
}

/**
 * The cases every webhook connector must pass, run against a whole gateway (real MongoDB and
 * Redis, provider APIs stood in by nock) through the public API and the channel's webhook URL:
 * signatures, normalization of each inbound type, duplicate deliveries, forward-only statuses,
 * the messaging window and the mapping of send errors.
 */
export function describeConnectorContract(kit: ConnectorKit): void {
  describe(`connector contract: ${kit.type}`, () => {
    let h: Harness;
    let key: string;
    let channel: ContractChannel;
    let sequence = 0;
    const uniqueId = () => `${(++sequence).toString(36)}${randomBytes(6).toString('hex')}`;

    useProviderStandIns();
    beforeAll(async () => {
      h = await startHarness();
      const ws = await h.api('POST', '/v1/admin/workspaces', {
        body: { name: `contract ${kit.type}` },
        headers: { authorization: `Bearer ${h.ctx.config.OMNIGATE_ADMIN_TOKEN}` },
      });
      if (ws.status !== 201) throw new Error(`workspace: ${ws.status} ${JSON.stringify(ws.body)}`);
      key = ws.body.apiKey.key;
      const values = kit.channel();
      const created = await h.api('POST', '/v1/channels', { key, body: { type: kit.type, name: `contract ${kit.type}`, ...values } });
      if (created.status !== 201) throw new Error(`channel: ${created.status} ${JSON.stringify(created.body)}`);
      channel = {
        id: created.body.id,
        accountId: created.body.accountId,
        webhookUrl: created.body.webhookUrl,
        webhookPath: new URL(created.body.webhookUrl).pathname,
        secrets: values.secrets,
      };
    });
    afterAll(async () => {
      await h?.close();
    });

    // --- webhooks ---------------------------------------------------------------------------

    const signed = (body: Buffer, secrets = channel.secrets): Record<string, string> => ({
      'content-type': kit.contentType,
      ...kit.sign({ url: channel.webhookUrl, body, contentType: kit.contentType }, secrets),
    });
    const post = (body: Buffer, headers: Record<string, string>) =>
      h.api('POST', channel.webhookPath, { body: body.toString('utf8'), headers });
    const deliver = async (body: Buffer) => {
      const res = await post(body, signed(body));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res;
    };

    const newInbound = (): InboundContext => ({ accountId: channel.accountId, contact: kit.contact(), id: uniqueId(), at: h.clock.now() });
    const rawEventCount = () => h.ctx.store.rawEvents.countDocuments({ channelId: channel.id });
    /** Every recorded request of the channel has been processed (or the wait times out). */
    const settled = () => eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: channel.id, state: 'received' })) === 0);

    const identityOf = (contact: string) => h.ctx.store.contactIdentities.findOne({ channelId: channel.id, externalId: contact }).lean();
    const inboundFrom = async (contact: string) => {
      const identity = await identityOf(contact);
      if (!identity) return [];
      return h.ctx.store.messages.find({ channelId: channel.id, contactId: identity.contactId, direction: 'inbound' }).lean();
    };
    const firstInboundFrom = (contact: string) =>
      eventually(async () => {
        const found = await inboundFrom(contact);
        return found[0];
      });

    /** A contact writes (the kit's first inbound case): their conversation, window open from `at`. */
    const openConversation = async () => {
      const ctx = newInbound();
      const opener = kit.inbound[0];
      if (!opener) throw new Error(`the ${kit.type} kit declares no inbound case`);
      await deliver(opener.body(ctx));
      const message = await firstInboundFrom(ctx.contact);
      // The message is in before its conversation moves (window, activity): wait for the whole request.
      await settled();
      return { ...ctx, conversationId: String(message.conversationId) };
    };

    // --- sending ----------------------------------------------------------------------------

    const send = (conversationId: string, body: object) => h.api('POST', `/v1/conversations/${conversationId}/messages`, { key, body });
    const messageById = (id: string) => h.ctx.store.messages.findById(id).lean();
    const reaches = (id: string, status: string) =>
      eventually(async () => {
        const m = await messageById(id);
        return m?.status === status ? m : null;
      });

    /** A free-form message sent and accepted by the provider stand-in. */
    const sentMessage = async (conversation: { contact: string; conversationId: string }) => {
      const providerMessageId = `out${uniqueId()}`;
      const scope = kit.sendStub.success({ accountId: channel.accountId, to: conversation.contact, providerMessageId });
      const res = await send(conversation.conversationId, kit.freeForm);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      // Where the provider reports `sent` later, its API's acceptance is `accepted`.
      const sent = await reaches(res.body.id, h.ctx.connectors.get(kit.type)?.capabilities.reportsSent ? 'accepted' : 'sent');
      expect(sent.providerMessageId).toBe(providerMessageId);
      expect(scope.isDone()).toBe(true);
      return { id: String(sent._id), providerMessageId };
    };

    const statusBody = (conversation: { contact: string }, providerMessageId: string, status: ReportedStatus, at: Date) => {
      const body = kit.status({ accountId: channel.accountId, contact: conversation.contact, providerMessageId, status, at });
      if (!body) throw new Error(`the ${kit.type} kit cannot report "${status}", which every channel reports`);
      return body;
    };

    // --- the cases --------------------------------------------------------------------------

    describe('webhook signature', () => {
      it('accepts a correctly signed request with 200 and records it before answering', async () => {
        const ctx = newInbound();
        const body = kit.inbound[0]!.body(ctx);
        const before = await rawEventCount();
        await deliver(body);
        // Acknowledged means recorded: the raw request is stored by the time the 200 is sent.
        expect(await rawEventCount()).toBe(before + 1);
        const messages = await eventually(async () => {
          const found = await inboundFrom(ctx.contact);
          return found.length > 0 ? found : null;
        });
        expect(messages).toHaveLength(1);
      });

      it('refuses a request signed with another channel’s secrets with 401 and stores nothing', async () => {
        const ctx = newInbound();
        const body = kit.inbound[0]!.body(ctx);
        const before = await rawEventCount();
        const res = await post(body, signed(body, kit.channel().secrets));
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('invalid_signature');
        expect(await rawEventCount()).toBe(before);
        expect(await identityOf(ctx.contact)).toBeNull();
      });

      it('refuses an unsigned request with 401 and stores nothing', async () => {
        const ctx = newInbound();
        const body = kit.inbound[0]!.body(ctx);
        const before = await rawEventCount();
        const res = await post(body, { 'content-type': kit.contentType });
        expect(res.status).toBe(401);
        expect(await rawEventCount()).toBe(before);
        expect(await identityOf(ctx.contact)).toBeNull();
      });

      it('refuses a signature made over other bytes with 401', async () => {
        const ctx = newInbound();
        const body = kit.inbound[0]!.body(ctx);
        const other = kit.inbound[0]!.body(newInbound());
        const before = await rawEventCount();
        const res = await post(body, signed(other));
        expect(res.status).toBe(401);
        expect(await rawEventCount()).toBe(before);
        expect(await identityOf(ctx.contact)).toBeNull();
      });
    });

    describe('inbound normalization', () => {
      it.each(kit.inbound.map((c) => [c.name ?? c.type, c] as const))('%s is stored as one inbound message of its type', async (_name, inboundCase) => {
        const ctx = newInbound();
        await deliver(inboundCase.body(ctx));
        await firstInboundFrom(ctx.contact);
        await settled();
        const messages = await inboundFrom(ctx.contact);
        expect(messages).toHaveLength(1);
        const [message] = messages;
        expect(message).toMatchObject({ direction: 'inbound', author: 'contact', status: 'received', type: inboundCase.type });
        expect(message?.content.type).toBe(inboundCase.type);
        if (inboundCase.expect) expect(message?.content).toMatchObject(inboundCase.expect);
        // The provider's time of the message, or the receipt time where the provider sends none.
        expect(message?.providerTimestamp?.toISOString()).toBe(ctx.at.toISOString());
        const conversation = await h.ctx.store.conversations.findById(message?.conversationId).lean();
        expect(String(conversation?.channelId)).toBe(channel.id);
      });
    });

    describe('duplicate delivery', () => {
      it('stores one message however often the same request arrives, before and after processing', async () => {
        const ctx = newInbound();
        const body = kit.inbound[0]!.body(ctx);
        await Promise.all([deliver(body), deliver(body)]);
        const message = await firstInboundFrom(ctx.contact);
        await settled();
        await deliver(body);
        await settled();
        expect(await inboundFrom(ctx.contact)).toHaveLength(1);
        expect(await h.ctx.store.events.countDocuments({ type: 'message.received', 'data.message.id': String(message._id) })).toBe(1);
      });
    });

    describe('delivery statuses', () => {
      it('a delivered report moves a sent message forward', async () => {
        const conversation = await openConversation();
        const { id, providerMessageId } = await sentMessage(conversation);
        await deliver(statusBody(conversation, providerMessageId, 'delivered', new Date(h.clock.now().getTime() + 60_000)));
        await reaches(id, 'delivered');
      });

      it('moves only forward: read, then a late delivered (and sent), ends read', async () => {
        const conversation = await openConversation();
        const { id, providerMessageId } = await sentMessage(conversation);
        const at = h.clock.now().getTime() + 60_000;
        await deliver(statusBody(conversation, providerMessageId, 'read', new Date(at)));
        await reaches(id, 'read');
        await deliver(statusBody(conversation, providerMessageId, 'delivered', new Date(at + 1000)));
        const sentReport = kit.status({ accountId: channel.accountId, contact: conversation.contact, providerMessageId, status: 'sent', at: new Date(at + 2000) });
        if (sentReport) await deliver(sentReport);
        await settled();
        const message = await messageById(id);
        expect(message?.status).toBe('read');
        expect(message?.readAt).toBeInstanceOf(Date);
      });
    });

    describe('messaging window', () => {
      it(`refuses free-form ${kit.outsideWindow.hours + 1} h after the last inbound, and says it cannot reply`, async () => {
        const conversation = await openConversation();
        const start = conversation.at;
        const expires = new Date(start.getTime() + kit.outsideWindow.hours * HOUR).toISOString();
        try {
          // Still inside: the same body is accepted and sent.
          h.clock.set(new Date(start.getTime() + (kit.outsideWindow.hours - 1) * HOUR));
          const open = await h.api('GET', `/v1/conversations/${conversation.conversationId}`, { key });
          expect(open.body.reply).toMatchObject({ canReply: true, windowExpiresAt: expires });
          await sentMessage(conversation);

          h.clock.set(new Date(start.getTime() + (kit.outsideWindow.hours + 1) * HOUR));
          const outbound = () => h.ctx.store.messages.countDocuments({ conversationId: conversation.conversationId, direction: 'outbound' });
          const before = await outbound();
          const refused = await send(conversation.conversationId, kit.freeForm);
          expect(refused.status).toBe(422);
          expect(refused.body.error.code).toBe(kit.outsideWindow.refusedCode);
          expect(await outbound()).toBe(before);
          const closed = await h.api('GET', `/v1/conversations/${conversation.conversationId}`, { key });
          expect(closed.body.reply).toMatchObject({ canReply: false, windowExpiresAt: expires });
        } finally {
          h.clock.set(start);
        }
      });
    });

    describe('send error mapping', () => {
      it.each(FAILURES)('a %s provider error ends the message failed with that outcome', async (kind) => {
        const attempts = kind === 'retry' ? h.ctx.config.SEND_ATTEMPTS : 1;
        const conversation = await openConversation();
        const scope = kit.sendStub.failure({ accountId: channel.accountId, to: conversation.contact }, kind);
        let calls = 0;
        scope.on('request', () => calls++);
        const res = await send(conversation.conversationId, kit.freeForm);
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        const failed = await reaches(res.body.id, 'failed');
        expect(failed.error?.outcome).toBe(kind);
        expect(failed.error?.code).toEqual(expect.any(String));
        // Retryable errors are tried SEND_ATTEMPTS times, the others once.
        expect(calls).toBe(attempts);
        const view = await h.api('GET', `/v1/messages/${res.body.id}`, { key });
        expect(view.body).toMatchObject({ status: 'failed', providerMessageId: null, error: { outcome: kind } });
      });
    });
  });
}
