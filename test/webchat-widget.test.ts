import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from './support/chromium.js';
import { eventually, startHarness, type Harness } from './support/harness.js';
import { createWebchatWorkspace, userHash, type WebchatFixture } from './support/webchat.js';
import { startShopPage, type ShopPage } from './support/webchat-page.js';

/**
 * The widget in a real browser (Debian's Chromium), embedded by a shop's page on another origin
 * than the gateway's, with an agent answering through the API.
 */

/** Where the widget's screenshots go: WEBCHAT_SCREENSHOTS=docs/channels writes the docs' copies. */
const SCREENSHOTS = process.env.WEBCHAT_SCREENSHOTS ?? path.join(tmpdir(), 'omnigate-webchat');
/** Failure guard only: every wait is for a state. */
const WAIT = { timeout: 45_000 };
const DAY_MS = 24 * 60 * 60 * 1000;

let h: Harness;
let f: WebchatFixture;
let shop: ShopPage;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  h = await startHarness();
  shop = await startShopPage(h.baseUrl);
  f = await createWebchatWorkspace(h, { allowedOrigins: [shop.origin], colors: { primary: '#0b7a53' } });
  browser = await chromium.launch({ executablePath: chromiumPath() });
  context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  page = await context.newPage();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await shop?.close();
  await h?.close();
});

const widget = (p: Page) => p.locator('omnigate-chat');
const launcher = (p: Page) => widget(p).locator('button.launcher');
const bubble = (p: Page, from: 'visitor' | 'business', text: string) => widget(p).locator(`.bubble.${from}:not(.pending)`, { hasText: text });

/** The channel's settings applied (colours, title): the widget is ready to open. */
async function widgetReady(p: Page): Promise<void> {
  await widget(p).waitFor({ state: 'attached', ...WAIT });
  await eventually(async () => (await widget(p).getAttribute('data-ready')) === 'true');
}

async function openWidget(p: Page): Promise<void> {
  await widgetReady(p);
  await launcher(p).click();
  await widget(p).getByRole('dialog').waitFor(WAIT);
}

async function write(p: Page, text: string): Promise<void> {
  await widget(p).getByLabel('Message', { exact: true }).fill(text);
  await widget(p).getByRole('button', { name: 'Send' }).click();
  await bubble(p, 'visitor', text).waitFor(WAIT);
}

/** The conversation of a visitor's message, as the agent finds it over the API. */
async function conversationWith(text: string): Promise<string> {
  return eventually(async () => {
    const found = await h.api('GET', `/v1/conversations?q=${encodeURIComponent(text)}`, { key: f.key });
    return found.body.data?.[0]?.id as string | undefined;
  });
}

async function agentReplies(conversationId: string, body: Record<string, unknown>): Promise<string> {
  const reply = await h.api('POST', `/v1/conversations/${conversationId}/messages`, { key: f.key, headers: { 'idempotency-key': `reply-${Date.now()}-${Math.random()}` }, body });
  expect(reply.status).toBe(202);
  return reply.body.id;
}

/** What the host page's stylesheet could change about an element of the widget. */
const looks = (locator: Locator) =>
  // Runs in the page (the tests are typed without the DOM).
  locator.evaluate((node: any) => {
    const style = node.ownerDocument.defaultView.getComputedStyle(node);
    const box = node.getBoundingClientRect();
    return {
      box: [Math.round(box.x), Math.round(box.y), Math.round(box.width), Math.round(box.height)],
      style: ['font-family', 'font-size', 'color', 'background-color', 'border-top-width', 'padding-top', 'display', 'letter-spacing', 'text-transform'].map((p: string) => style.getPropertyValue(p)),
    };
  });

describe('a visitor on the shop, an agent on the API', () => {
  let firstConversation: string;

  it('the visitor writes, the agent answers through the API and the visitor sees it live; the reply is read', async () => {
    await page.goto(shop.url({ channel: f.channelId }));
    await widgetReady(page);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'webchat-closed.png') });
    await openWidget(page);
    await expect.poll(() => widget(page).getByRole('dialog').getAttribute('aria-labelledby')).toBeTruthy();
    await widget(page).getByText('Hi! Ask us anything.').waitFor(WAIT);
    await write(page, 'Hello, is my parcel on its way?');

    firstConversation = await conversationWith('is my parcel on its way');
    const replyId = await agentReplies(firstConversation, { type: 'text', text: 'Yes! It left this morning. <img src=x onerror=alert(1)>' });
    await bubble(page, 'business', 'It left this morning. <img src=x onerror=alert(1)>').waitFor(WAIT);
    // Shown as text: no element was made of it.
    expect(await widget(page).locator('.bubble.business img').count()).toBe(0);
    // The panel is open: the visitor's browser says it was read.
    await eventually(async () => (await h.api('GET', `/v1/messages/${replyId}`, { key: f.key })).body.status === 'read');
    // The agent reads the conversation: the visitor's message shows it was seen.
    await h.api('POST', `/v1/conversations/${firstConversation}/read`, { key: f.key, headers: { 'idempotency-key': 'read-first' } });
    await widget(page).locator('.bubble.visitor + .seen').waitFor(WAIT);
  });

  it('a reload within 24 hours shows the history', async () => {
    h.clock.advance(3 * 60 * 60 * 1000);
    await page.reload();
    await openWidget(page);
    await bubble(page, 'visitor', 'Hello, is my parcel on its way?').waitFor(WAIT);
    await bubble(page, 'business', 'Yes! It left this morning.').waitFor(WAIT);
  });

  it('an image goes up from the widget and the agent gets it; the agent sends one back', async () => {
    const png = readFileSync(path.join(import.meta.dirname, 'fixtures', 'parcel.png'));
    await widget(page).locator('input[type=file]').setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: png });
    const sent = widget(page).locator('.bubble.visitor:not(.pending) img[alt="parcel.png"]');
    await sent.waitFor(WAIT);
    await expect.poll(() => sent.evaluate((img: any) => img.naturalWidth), WAIT).toBeGreaterThan(0);
    const image = await eventually(async () => {
      const messages = await h.api('GET', `/v1/conversations/${firstConversation}/messages`, { key: f.key });
      return (messages.body.data as any[]).find((m) => m.type === 'image');
    });
    expect(image.content.media).toMatchObject({ mimeType: 'image/png', state: 'stored' });

    await agentReplies(firstConversation, { type: 'image', media: { storedId: image.content.media.storedId }, caption: 'Here it is on our side' });
    const received = bubble(page, 'business', 'Here it is on our side').locator('img');
    await received.waitFor(WAIT);
    await expect.poll(() => received.evaluate((img: any) => img.naturalWidth), WAIT).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'webchat-open.png') });
  });

  it('after 24 hours without a message the widget starts a new conversation; prompt chips send their text', async () => {
    h.clock.advance(DAY_MS + 60_000);
    await page.reload();
    await openWidget(page);
    await widget(page).getByText('Hi! Ask us anything.').waitFor(WAIT);
    expect(await widget(page).locator('.bubble:not(.greeting)').count()).toBe(0);

    const chips = widget(page).getByRole('group', { name: 'Suggestions' });
    await chips.getByRole('button', { name: 'Where is my order?' }).click();
    await bubble(page, 'visitor', 'Where is my order?').waitFor(WAIT);
    await expect.poll(() => chips.isVisible()).toBe(false);
    const second = await conversationWith('Where is my order');
    expect(second).not.toBe(firstConversation);
  });
});

describe('refusals', () => {
  it('a page of an origin the channel does not allow gets a clear refusal', async () => {
    const other = await context.newPage();
    await other.goto(`${shop.otherOrigin}/?channel=${f.channelId}`);
    await launcher(other).click();
    await widget(other).getByText('This chat is not available on this site.').waitFor(WAIT);
    await other.close();
  });

  it('a forged identity signature is refused; a signed one is accepted', async () => {
    const forged = await context.newPage();
    await forged.goto(shop.url({ channel: f.channelId, userId: 'customer-7', userHash: userHash('customer-7', 'a-guess-at-the-secret') }));
    await openWidget(forged);
    await widget(forged).getByText('We could not confirm who you are.').waitFor(WAIT);
    await forged.close();

    const signed = await context.newPage();
    await signed.goto(shop.url({ channel: f.channelId, userId: 'customer-7', userHash: userHash('customer-7') }));
    await openWidget(signed);
    await write(signed, 'Signed in and writing');
    const identity = await eventually(() => h.ctx.store.contactIdentities.findOne({ channelId: f.channelId, externalId: 'user:customer-7' }).lean());
    expect(identity).toBeTruthy();
    await signed.close();
  });
});

describe('keyboard, screen readers and being offline', () => {
  it('works from the keyboard, with labelled controls, and says when it is offline, sending once back online', async () => {
    const visitorPage = await context.newPage();
    await visitorPage.goto(shop.url({ channel: f.channelId }));
    await widgetReady(visitorPage);
    // The page's own button, then the widget's launcher.
    await visitorPage.locator('#host-button').focus();
    await visitorPage.keyboard.press('Tab');
    await expect.poll(() => launcher(visitorPage).evaluate((node: any) => node.getRootNode().activeElement === node)).toBe(true);
    await visitorPage.keyboard.press('Enter');
    const dialog = widget(visitorPage).getByRole('dialog', { name: 'Acme support' });
    await dialog.waitFor(WAIT);
    await expect.poll(() => widget(visitorPage).getByLabel('Message', { exact: true }).evaluate((node: any) => node.getRootNode().activeElement === node)).toBe(true);
    await visitorPage.keyboard.type('Typed from the keyboard');
    await visitorPage.keyboard.press('Enter');
    await bubble(visitorPage, 'visitor', 'Typed from the keyboard').waitFor(WAIT);
    expect(await widget(visitorPage).getByRole('log', { name: 'Conversation' }).getByText('You:').count()).toBeGreaterThan(0);
    expect(await widget(visitorPage).getByRole('button', { name: 'Attach a file' }).count()).toBe(1);

    await context.setOffline(true);
    await widget(visitorPage).getByLabel('Message', { exact: true }).fill('Sent while offline');
    await visitorPage.keyboard.press('Enter');
    await widget(visitorPage).getByRole('status').filter({ hasText: 'offline' }).waitFor(WAIT);
    await context.setOffline(false);
    await bubble(visitorPage, 'visitor', 'Sent while offline').waitFor(WAIT);
    await eventually(async () => (await h.api('GET', `/v1/conversations?q=${encodeURIComponent('Sent while offline')}`, { key: f.key })).body.data.length === 1);

    await visitorPage.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    await expect.poll(() => launcher(visitorPage).evaluate((node: any) => node.getRootNode().activeElement === node)).toBe(true);
    await visitorPage.close();
  });
});

describe('isolation from the host page', () => {
  it("the host page's aggressive CSS does not change the widget, and the widget's CSS does not change the page", async () => {
    const plain = await context.newPage();
    await plain.goto(shop.url({ channel: f.channelId, widget: '0' }));
    const hostBefore = await looks(plain.locator('#host-button'));
    await plain.goto(shop.url({ channel: f.channelId }));
    await openWidget(plain);
    expect(await looks(plain.locator('#host-button'))).toEqual(hostBefore);
    const parts = ['button.launcher', 'header h2', 'textarea', 'button.send', '.bubble.greeting'];
    const calm = await Promise.all(parts.map((part) => looks(widget(plain).locator(part).first())));

    const hostile = await context.newPage();
    await hostile.goto(shop.url({ channel: f.channelId, hostile: '1' }));
    await openWidget(hostile);
    const attacked = await Promise.all(parts.map((part) => looks(widget(hostile).locator(part).first())));
    expect(attacked).toEqual(calm);
    await hostile.screenshot({ path: path.join(SCREENSHOTS, 'webchat-hostile-page.png') });
    await plain.close();
    await hostile.close();
  });
});
