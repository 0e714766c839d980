import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumPath } from './support/chromium.js';
import { agentReplies, conversationWith, messageReaching, startSandboxGateway, type SandboxGateway } from './support/sandbox-gateway.js';

/** The sandbox page in a real browser: typing as the customer, the business's reply arriving on the phone or in the mailbox. */

/** Where the screenshots of the page go (to look at after a run): the phone, then the mailbox. */
const SCREENSHOT = process.env.SANDBOX_SCREENSHOT ?? path.join(tmpdir(), 'omnigate-sandbox-page.png');
const MAILBOX_SCREENSHOT = SCREENSHOT.replace(/(\.png)?$/, '-mailbox.png');
/** Failure guard only: every wait is for a state. */
const WAIT = { timeout: 45_000 };

let g: SandboxGateway;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  g = await startSandboxGateway();
  browser = await chromium.launch({ executablePath: chromiumPath() });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});

afterAll(async () => {
  await browser?.close();
  await g?.close();
});

it('the customer types on the page, the agent answers through the API, the phone shows the reply read and a failure on demand', async () => {
  await page.goto(`${g.sandbox.url}/#ana`);
  await page.getByLabel('Message', { exact: true }).fill('Hello, can I change my delivery address?');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.bubble.customer', { hasText: 'Hello, can I change my delivery address?' }).waitFor(WAIT);

  const conversationId = await conversationWith(g, 'whatsapp-cloud', 'Hello, can I change my delivery address?');
  const replyId = await agentReplies(g, conversationId, 'Of course, send me the new one here.');
  // The chat is open on the page: Ana reads the reply as soon as it is delivered.
  await page.locator('.bubble.business[data-status="read"]', { hasText: 'Of course, send me the new one here.' }).waitFor(WAIT);
  await messageReaching(g, replyId, 'read');

  await page.getByLabel('Next message from the business:').selectOption('undeliverable');
  await expect.poll(async () => (await g.client.customer('ana')).nextFailure, WAIT).toBe('undeliverable');
  const lostId = await agentReplies(g, conversationId, 'This one will not arrive.');
  await page.locator('.bubble.business.failed', { hasText: 'failed: 131026 Message undeliverable' }).waitFor(WAIT);
  expect((await messageReaching(g, lostId, 'failed')).error.code).toBe('131026');

  await page.locator('.delivery', { hasText: 'message.received' }).first().waitFor(WAIT);
  // Every helpdesk delivery shown is signed right (one query: more may arrive meanwhile).
  expect(await page.locator('.delivery:not(:has(.badge.ok))', { hasText: 'message.' }).count()).toBe(0);
  await page.screenshot({ path: SCREENSHOT });
});

it('the email customer writes a mail on the page, the answer arrives in the thread, and the customer replies in it', async () => {
  await page.goto(`${g.sandbox.url}/#casey`);
  await page.locator('.account', { hasText: 'Email' }).locator('.connected', { hasText: 'watched' }).waitFor(WAIT);
  await page.getByLabel('Subject').fill('Order 42 is late');
  await page.getByLabel('Message', { exact: true }).fill('My parcel has not arrived yet.');
  await page.getByRole('button', { name: 'Send' }).click();
  const thread = page.locator('.thread', { hasText: 'Order 42 is late' });
  await thread.locator('.mail.customer', { hasText: 'fetched by the gateway' }).waitFor(WAIT);

  const conversationId = await conversationWith(g, 'email', 'My parcel has not arrived yet.');
  const replyId = await agentReplies(g, conversationId, 'Sorry! It left our warehouse this morning.');
  await thread.locator('.mail.business', { hasText: 'It left our warehouse this morning.' }).waitFor(WAIT);
  expect((await messageReaching(g, replyId, 'sent')).status).toBe('sent');

  await thread.getByRole('button', { name: 'Reply' }).click();
  await expect.poll(() => page.getByLabel('Subject').inputValue(), WAIT).toBe('Re: Order 42 is late');
  await page.getByLabel('Message', { exact: true }).fill('Thanks, I will wait.');
  await page.getByRole('button', { name: 'Send' }).click();
  await thread.locator('.mail.customer', { hasText: 'Thanks, I will wait.' }).waitFor(WAIT);
  expect(await thread.locator('.mail').count()).toBe(3);
  expect(await conversationWith(g, 'email', 'Thanks, I will wait.')).toBe(conversationId);
  await page.screenshot({ path: MAILBOX_SCREENSHOT });
});
