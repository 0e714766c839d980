import sanitizeHtml from 'sanitize-html';
import type { MessageContent } from '../domain/message.js';

/**
 * A mail's HTML as API clients get it, made safe once, when the mail is stored: every path that
 * shows a message (API reads, webhooks, real time, transcripts) serializes the stored content,
 * so none of them can pass on what a sender wrote to run in a reader's page.
 *
 * - Kept: text, its formatting (tags and an allowlist of inline style properties), tables, links
 *   (http, https, mailto, tel; opened in a new tab without referrer) and images.
 * - Dropped: scripts, style sheets and `<link>`s, event handlers, forms, frames, classes and ids
 *   (they would reach the page that shows the mail), comments, `<title>`.
 * - Remote content is blocked: an image's remote address moves to `data-remote-src` (a reader may
 *   ask for it, `withRemoteImages`), and styles naming a `url(...)` go.
 * - `cid:` images point at their stored copy, `/v1/media/<storedId>` (fetched with an API key).
 */

/** Where a blocked remote image's address is kept. */
const REMOTE_SRC = 'data-remote-src';
const REMOTE_URL = /^(?:https?:)?\/\//i;

/** Inline style values that load nothing from elsewhere. */
const LOADS_NOTHING = /^(?![\s\S]*\b(?:url|image-set|expression)\s*\()[\s\S]*$/i;
const STYLE_PROPERTIES = [
  'color',
  'background-color',
  'font',
  'font-family',
  'font-size',
  'font-style',
  'font-weight',
  'line-height',
  'letter-spacing',
  'text-align',
  'text-decoration',
  'text-transform',
  'vertical-align',
  'white-space',
  'direction',
  'display',
  'width',
  'height',
  'max-width',
  'min-width',
  'margin',
  'margin-top',
  'margin-right',
  'margin-bottom',
  'margin-left',
  'padding',
  'padding-top',
  'padding-right',
  'padding-bottom',
  'padding-left',
  'border',
  'border-top',
  'border-right',
  'border-bottom',
  'border-left',
  'border-color',
  'border-style',
  'border-width',
  'border-radius',
  'border-collapse',
  'border-spacing',
  'list-style-type',
  'table-layout',
];

const BASE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'font', 'center'],
  allowedAttributes: {
    '*': ['style', 'align', 'valign', 'bgcolor', 'dir', 'lang', 'title', 'width', 'height'],
    a: ['href', 'target', 'rel'],
    img: ['src', 'alt', REMOTE_SRC],
    table: ['border', 'cellpadding', 'cellspacing'],
    td: ['colspan', 'rowspan'],
    th: ['colspan', 'rowspan'],
    font: ['color', 'face', 'size'],
    ol: ['start', 'type'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https', 'data'] },
  allowedSchemesAppliedToAttributes: [...sanitizeHtml.defaults.allowedSchemesAppliedToAttributes, REMOTE_SRC],
  allowedStyles: { '*': Object.fromEntries(STYLE_PROPERTIES.map((p) => [p, [LOADS_NOTHING]])) },
  // Their text is no part of the mail's body: dropped with the tag.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'xmp', 'noscript', 'title'],
};

const openApart: sanitizeHtml.Transformer = (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer' } });

/** `<img>` as stored: a cid: link to its stored copy, a remote address blocked, an inline data: image kept. */
function blockingImage(storedUrlOf: (contentId: string) => string | undefined): sanitizeHtml.Transformer {
  return (tagName, { src, [REMOTE_SRC]: remoteSrc, ...attribs }) => {
    const source = src?.trim() ?? '';
    const stored = /^cid:/i.test(source) ? storedUrlOf(contentIdOf(source)) : undefined;
    const remote = [source, remoteSrc?.trim() ?? ''].find((url) => REMOTE_URL.test(url));
    return {
      tagName,
      attribs: {
        ...(stored && { src: stored }),
        ...(/^data:image\//i.test(source) && { src: source }),
        ...attribs,
        ...(remote && { [REMOTE_SRC]: remote }),
      },
    };
  };
}

/** `cid:part1%40example.com` → `part1@example.com` (RFC 2392 URL-encodes the Content-ID). */
function contentIdOf(cidUrl: string): string {
  const encoded = cidUrl.slice('cid:'.length);
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** The email content with its HTML made safe; any other content as it is. */
export function withSafeHtml(content: MessageContent): MessageContent {
  if (content.type !== 'email' || !content.html) return content;
  const stored = new Map(content.attachments.flatMap((a) => (a.contentId && a.storedId ? [[a.contentId, `/v1/media/${a.storedId}`] as const] : [])));
  const html = sanitizeHtml(content.html, { ...BASE_OPTIONS, transformTags: { a: openApart, img: blockingImage((id) => stored.get(id)) } });
  return { ...content, html };
}

/** The email content with its blocked remote images shown: the reader asked for remote content. */
export function withRemoteImages(content: MessageContent): MessageContent {
  if (content.type !== 'email' || !content.html) return content;
  const showing: sanitizeHtml.Transformer = (tagName, { [REMOTE_SRC]: remote, ...attribs }) => ({ tagName, attribs: { ...attribs, ...(remote && { src: remote }) } });
  // Sanitised again on the way: the stored HTML is trusted no further than the sender's.
  return { ...content, html: sanitizeHtml(content.html, { ...BASE_OPTIONS, transformTags: { a: openApart, img: showing } }) };
}
