import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page, type WebSocketRoute } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from './support/chromium.js';
import { startModelStandIn } from './support/model-stand-in.js';
import { conversationWith, startSandboxGateway, type SandboxGateway } from './support/sandbox-gateway.js';

/**
 * The agent console in a real browser, on a gateway whose WhatsApp customers are the provider
 * sandbox's (signed inbound and status webhooks): two agents, each in their own browser context.
 */

const ROOT = path.resolve(import.meta.dirname, '..');
/** Where the screenshots go; the docs' own are taken with CONSOLE_SCREENSHOTS=docs/images. */
const SCREENSHOTS = path.resolve(ROOT, process.env.CONSOLE_SCREENSHOTS ?? tmpdir());
/** Failure guard only: every wait is for a state. */
const WAIT = { timeout: 45_000 };
const DAY_MS = 24 * 3600_000;

let g: SandboxGateway;
let browser: Browser;
let alex: Page;
let ben: Page;
let alexKey: string;
let benKey: string;
let benId: string;

/** An agent with a key of the role; returns the key. */
async function agent(name: string, role: 'admin' | 'agent'): Promise<{ key: string; id: string }> {
  const key = await g.h.api('POST', '/v1/api-keys', { key: g.key, body: { name, role } });
  const created = await g.h.api('POST', '/v1/agents', {
    key: g.key,
    body: { name, email: `${name.toLowerCase()}@example.com`, apiKeyId: key.body.id, status: 'available', capacity: 5 },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { key: key.body.key, id: created.body.id };
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${g.h.baseUrl}/console/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor(WAIT);
}

const item = (page: Page, text: string) => page.locator('.conversation-item', { hasText: text });

beforeAll(async () => {
  // The console as `npm run build:console` builds it, fresh for this run.
  await build({ configFile: path.join(ROOT, 'console/vite.config.ts'), logLevel: 'warn' });
  g = await startSandboxGateway();
  const waChannel = g.channelIds.get('whatsapp-cloud')!;
  expect((await g.h.api('POST', `/v1/channels/${waChannel}/templates/sync`, { key: g.key })).status).toBe(200);
  alexKey = (await agent('Alex', 'admin')).key;
  ({ key: benKey, id: benId } = await agent('Ben', 'agent'));
  browser = await chromium.launch({ executablePath: chromiumPath() });
  alex = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  ben = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
});

afterAll(async () => {
  await browser?.close();
  await g?.close();
});

describe('the console', () => {
  it('is served with its assets cached for good, the page revalidated, and a strict CSP', async () => {
    const page = await fetch(`${g.h.baseUrl}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const asset = (await page.text()).match(/\/console\/assets\/[\w-]+\.js/)![0];
    const script = await fetch(`${g.h.baseUrl}${asset}`);
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${g.h.baseUrl}/console/assets/missing.js`)).status).toBe(404);
    const bare = await fetch(`${g.h.baseUrl}/console`, { redirect: 'manual' });
    expect(bare.headers.get('location')).toBe('/console/');
  });

  it('an agent accepts a queued WhatsApp conversation, answers it and sees the receipts move; a second agent sees it live', async () => {
    await g.client.say('ana', 'Hi, my parcel never arrived');
    const conversationId = await conversationWith(g, 'whatsapp-cloud', 'Hi, my parcel never arrived');
    await Promise.all([signIn(alex, alexKey), signIn(ben, benKey)]);

    // Both see it waiting; Ben opens it.
    for (const page of [alex, ben]) {
      await page.getByRole('tab', { name: 'Queue' }).click();
      await item(page, 'Ana Lima').waitFor(WAIT);
    }
    await item(ben, 'Ana Lima').getByRole('button', { name: /Ana Lima/ }).first().click();
    await ben.locator('.message.inbound', { hasText: 'Hi, my parcel never arrived' }).waitFor(WAIT);
    await ben.getByRole('toolbar').getByRole('button', { name: 'Accept' }).waitFor(WAIT);

    await item(alex, 'Ana Lima').getByRole('button', { name: 'Accept conversation with Ana Lima' }).click();
    await alex.locator('.thread-head', { hasText: 'Active' }).waitFor(WAIT);

    // Ben's screen follows without a reload: no longer waiting, Alex has it, nothing to accept.
    await ben.locator('.thread-head', { hasText: 'Alex' }).waitFor(WAIT);
    await expect.poll(() => ben.getByRole('toolbar').getByRole('button', { name: 'Accept' }).count(), WAIT).toBe(0);
    await item(ben, 'Ana Lima').waitFor({ state: 'detached', ...WAIT });
    // Asked directly, the API refuses Ben the conversation Alex holds.
    const again = await g.h.api('POST', `/v1/conversations/${conversationId}/accept`, { key: benKey });
    expect(again.body.error.code).toBe('already_assigned');

    // Alex answers inside the window; the sandbox's status webhooks move the receipt.
    await alex.getByText(/Free-form reply possible until/).waitFor(WAIT);
    await alex.getByLabel('Reply', { exact: true }).fill('Sorry about that! Let me check with the courier.');
    // Ben, watching the conversation, sees Alex typing.
    await ben.getByText('Alex is typing…').waitFor(WAIT);
    await alex.getByRole('button', { name: 'Send', exact: true }).click();
    const reply = alex.locator('.message.outbound', { hasText: 'Let me check with the courier' });
    await reply.and(alex.locator('[data-status="delivered"]')).waitFor(WAIT);
    await g.client.read('ana');
    await reply.and(alex.locator('[data-status="read"]')).getByLabel('read').waitFor(WAIT);

    // An internal note, set apart, reaches Ben's open thread live.
    await alex.getByRole('radio', { name: 'Internal note' }).click();
    await alex.getByLabel('Note', { exact: true }).fill('Courier ticket 4471 opened');
    await alex.getByRole('button', { name: 'Add note' }).click();
    await alex.locator('.message.note', { hasText: 'Courier ticket 4471 opened' }).waitFor(WAIT);
    await ben.locator('.message.note', { hasText: 'Courier ticket 4471 opened' }).waitFor(WAIT);

    await alex.getByRole('tab', { name: 'Mine' }).click();
    await item(alex, 'Ana Lima').waitFor(WAIT);
    await alex.getByRole('radio', { name: 'Reply' }).click();
    await alex.screenshot({ path: path.join(SCREENSHOTS, 'console-inbox.png') });
  });

  it('outside the window the composer offers the approved templates and sends one', async () => {
    g.h.clock.advance(DAY_MS + 3600_000);
    // Any change to the conversation reads it again: a note here.
    await alex.getByRole('radio', { name: 'Internal note' }).click();
    await alex.getByLabel('Note', { exact: true }).fill('Waiting for the courier since yesterday');
    await alex.getByRole('button', { name: 'Add note' }).click();
    await alex.getByRole('radio', { name: 'Reply' }).click();
    await alex.getByText(/The 24-hour window closed at .*only an approved template can be sent/).waitFor(WAIT);
    expect(await alex.getByLabel('Reply', { exact: true }).count()).toBe(0);

    await alex.getByLabel('Template').selectOption({ label: 'conversation_restart (en)' });
    await alex.getByLabel('Body {{1}}').fill('Ana');
    await alex.getByText('Hi Ana, we have an update on your request.').waitFor(WAIT);
    await alex.screenshot({ path: path.join(SCREENSHOTS, 'console-template.png') });
    await alex.getByRole('button', { name: 'Send template' }).click();
    await alex.locator('.message.outbound', { hasText: 'conversation_restart' }).and(alex.locator('[data-status="delivered"]')).waitFor(WAIT);
  });

  it('transfers with a note, finds by search, archives and deletes for good', async () => {
    const toolbar = alex.getByRole('toolbar');
    await toolbar.getByRole('button', { name: 'Transfer' }).click();
    await alex.getByRole('combobox', { name: /^To/ }).selectOption(`agent:${benId}`);
    await alex.getByLabel('Note', { exact: true }).first().fill('Ana waits for the refund, please follow up');
    await alex.locator('.panel').getByRole('button', { name: 'Transfer' }).click();
    await alex.locator('.thread-head', { hasText: 'Ben' }).waitFor(WAIT);
    await alex.locator('.transfer-note', { hasText: 'please follow up' }).waitFor(WAIT);
    // Ben's "mine" now holds it, live.
    await ben.getByRole('tab', { name: 'Mine' }).click();
    await item(ben, 'Ana Lima').waitFor(WAIT);

    await alex.getByRole('tab', { name: 'All' }).click();
    await alex.getByLabel('Search conversations').fill('parcel never');
    await alex.getByLabel('Search conversations').press('Enter');
    await item(alex, 'Ana Lima').waitFor(WAIT);
    await alex.getByLabel('Search conversations').fill('no such words anywhere');
    await alex.getByLabel('Search conversations').press('Enter');
    await alex.getByText('No conversations here.').waitFor(WAIT);
    await alex.getByLabel('Search conversations').fill('');
    await alex.getByLabel('Search conversations').press('Enter');

    await toolbar.getByRole('button', { name: 'Archive' }).click();
    await item(alex, 'Ana Lima').waitFor({ state: 'detached', ...WAIT });
    await alex.getByRole('tab', { name: 'Archived' }).click();
    await item(alex, 'Ana Lima').waitFor(WAIT);

    await toolbar.getByRole('button', { name: 'Delete' }).click();
    await alex.getByRole('alertdialog').getByText(/cannot be undone: its messages, internal notes and stored files are erased/).waitFor(WAIT);
    await alex.getByRole('button', { name: 'Delete for good' }).click();
    await alex.getByText('Choose a conversation on the left.').waitFor(WAIT);
    await alex.getByText('No conversations here.').waitFor(WAIT);
    // Gone for Ben too, live.
    await item(ben, 'Ana Lima').waitFor({ state: 'detached', ...WAIT });
    await ben.getByText('Choose a conversation on the left.').waitFor(WAIT);
  });

  it('shows a refusal with its reason: an agent away cannot take a conversation', async () => {
    // Back to the present: the customer's next message opens a fresh window.
    g.h.clock.set(new Date());
    await g.client.say('ana', 'Hello again, anyone there?');
    await ben.getByLabel('My status').selectOption('offline');
    // The gateway has taken the change once the select shows the status it answered with.
    await ben.locator('#presence.status-offline').waitFor(WAIT);
    await ben.getByRole('tab', { name: 'Queue' }).click();
    await item(ben, 'Ana Lima').getByRole('button', { name: 'Accept conversation with Ana Lima' }).click();
    await ben.getByRole('alert').filter({ hasText: 'agent_unavailable' }).waitFor(WAIT);
    // The narrow window: the list alone, then the thread alone.
    await ben.setViewportSize({ width: 420, height: 800 });
    await item(ben, 'Ana Lima').getByRole('button', { name: /Ana Lima/ }).first().click();
    await ben.locator('.message.inbound', { hasText: 'Hello again' }).waitFor(WAIT);
    await ben.getByText(/Free-form reply possible until/).waitFor(WAIT);
    await ben.screenshot({ path: path.join(SCREENSHOTS, 'console-narrow.png') });
  });

  it('an admin reads the setup and analytics, adds a canned response, and an agent sends it by its shortcut', async () => {
    // A minute on: the analytics' range (up to now, exclusive) holds the conversation and its messages.
    g.h.clock.advance(60_000);
    await alex.getByRole('button', { name: 'Admin' }).click();
    await alex.locator('figure', { hasText: 'Messages' }).getByText('From customers').waitFor(WAIT);
    await alex.screenshot({ path: path.join(SCREENSHOTS, 'console-admin.png') });
    const admin = alex.getByRole('navigation', { name: 'Admin sections' });
    await admin.getByRole('button', { name: 'Channels' }).click();
    await alex.getByRole('row', { name: /Sandbox WhatsApp .*\/webhooks\/whatsapp-cloud\// }).waitFor(WAIT);
    await admin.getByRole('button', { name: 'Canned responses' }).click();
    await alex.getByLabel('Shortcut').fill('/thanks');
    await alex.getByLabel('Title').fill('Thank the customer');
    await alex.getByLabel(/^Text/).fill('Thanks {{contact.name}}, glad to help!');
    await alex.getByRole('button', { name: 'Create' }).click();
    await alex.getByRole('cell', { name: '/thanks' }).waitFor(WAIT);
    await alex.getByRole('button', { name: 'Back to the inbox' }).click();

    await alex.getByRole('tab', { name: 'Queue' }).click();
    await item(alex, 'Ana Lima').getByRole('button', { name: 'Accept conversation with Ana Lima' }).click();
    await alex.locator('.thread-head', { hasText: 'Active' }).waitFor(WAIT);
    await alex.getByLabel('Reply', { exact: true }).fill('/tha');
    await alex.getByRole('listbox', { name: 'Canned responses' }).getByRole('button', { name: /\/thanks/ }).click();
    await alex.locator('.message.outbound', { hasText: 'Thanks Ana Lima, glad to help!' }).waitFor(WAIT);
  });

  it('resumes the live feed from the last event it saw after the socket drops; a reply quotes a message', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    // Each socket the page opens goes through here; the second waits until the test lets it reach the gateway.
    const sockets: WebSocketRoute[] = [];
    let letThrough!: () => void;
    const held = new Promise<void>((resolve) => (letThrough = resolve));
    await page.routeWebSocket(/\/v1\/realtime/, async (ws) => {
      sockets.push(ws);
      if (sockets.length > 1) await held;
      ws.connectToServer();
    });
    await signIn(page, alexKey);
    await page.getByRole('tab', { name: 'Mine' }).click();
    await item(page, 'Ana Lima').getByRole('button', { name: /Ana Lima/ }).first().click();
    await page.locator('.message.outbound', { hasText: 'glad to help' }).waitFor(WAIT);
    // An event, so the page holds a cursor.
    await g.client.say('ana', 'One more thing');
    await page.locator('.message.inbound', { hasText: 'One more thing' }).waitFor(WAIT);

    await sockets[0]!.close();
    await page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor(WAIT);
    await expect.poll(() => sockets.length, WAIT).toBe(2);
    // What happens while the page is away is replayed to it from the cursor.
    await g.client.say('ana', 'Are you still there?');
    await conversationWith(g, 'whatsapp-cloud', 'Are you still there?');
    letThrough();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor(WAIT);
    expect(new URL(sockets[1]!.url()).searchParams.get('lastEventId')).toMatch(/^\d+-\d+$/);
    await page.locator('.message.inbound', { hasText: 'Are you still there?' }).waitFor(WAIT);

    // A reply quoting the customer's message.
    await page.getByRole('button', { name: 'Reply to: Are you still there?' }).click();
    await page.getByText('Replying to').waitFor(WAIT);
    await page.getByLabel('Reply', { exact: true }).fill('Yes, still here');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('.message.outbound', { hasText: 'Yes, still here' }).locator('.quoted', { hasText: 'Are you still there?' }).waitFor(WAIT);
  });

  it('outside the Messenger window the composer offers the message tags allowed and sends with one', async () => {
    await g.client.say('sam', 'Hi, is my account still on hold?');
    await alex.getByRole('tab', { name: 'Queue' }).click();
    await item(alex, 'Sandbox Messenger').locator('button.open').click();
    await alex.locator('.message.inbound', { hasText: 'is my account still on hold' }).waitFor(WAIT);
    g.h.clock.advance(DAY_MS + 3600_000);
    // Any change to the conversation reads it again: a note here.
    await alex.getByRole('radio', { name: 'Internal note' }).click();
    await alex.getByLabel('Note', { exact: true }).fill('Checking with billing');
    await alex.getByRole('button', { name: 'Add note' }).click();
    await alex.getByRole('radio', { name: 'Reply' }).click();
    await alex.getByText(/a message needs an allowed message tag/).waitFor(WAIT);
    await alex.getByRole('combobox', { name: /^Message tag/ }).selectOption('ACCOUNT_UPDATE');
    await alex.getByLabel('Reply', { exact: true }).fill('Your account is active again.');
    await alex.getByRole('button', { name: 'Send', exact: true }).click();
    await alex.locator('.message.outbound', { hasText: 'Your account is active again.' }).getByText('ACCOUNT_UPDATE').waitFor(WAIT);
  });

  it("shows who answered, the AI agent or a person, and turning Agent replies off hands the conversation to people", async () => {
    const model = await startModelStandIn();
    model.behave('console-model', () => ({ text: 'We open at 9, Monday to Friday.' }));
    const backend = { type: 'openai', baseUrl: model.baseUrl, model: 'console-model' };
    // The sandbox's customers write in real time; earlier tests moved the gateway's clock past windows.
    g.h.clock.set(new Date());
    try {
      const config = await g.h.api('PUT', '/v1/ai-agent', { key: g.key, body: { enabled: true, backend, defaultChannelIds: [g.channelIds.get('whatsapp-cloud')] } });
      expect(config.status, JSON.stringify(config.body)).toBe(200);
      const rita = await g.client.addCustomer('whatsapp-cloud', 'Rita Diaz');
      await g.client.say(rita.id, 'When do you open?');
      await signIn(alex, alexKey);
      await alex.getByRole('tab', { name: 'All' }).click();
      await item(alex, 'Rita Diaz').locator('button.open').click();
      await alex.locator('.message.outbound', { hasText: 'We open at 9' }).locator('.ai-author').waitFor(WAIT);
      const agentReplies = alex.getByRole('checkbox', { name: /Agent replies/ });
      await expect.poll(() => agentReplies.isChecked(), WAIT).toBe(true);
      // A click, not uncheck(): the box shows the conversation's state, which changes once the API answers.
      await agentReplies.click();
      await alex.getByText(/Handed to people .*: turned off/).waitFor(WAIT);
      await expect.poll(() => agentReplies.isChecked(), WAIT).toBe(false);
    } finally {
      await g.h.api('PUT', '/v1/ai-agent', { key: g.key, body: { enabled: false, backend } });
      await model.close();
    }
  });
});
