/**
 * What the sender wrote this time, out of a mail that also carries the thread's history. There
 * is no standard for quoting, so this recognizes what the common clients write (Gmail, Outlook,
 * Apple Mail, Thunderbird) and errs towards keeping text: the full original always stays in the
 * message's `text` / `html`.
 */

/** Lines after which everything is history or forwarded content. */
const HISTORY_SEPARATORS: readonly RegExp[] = [
  /^-{3,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale)\s*-{3,}$/i,
  /^-{3,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado|Messaggio inoltrato)\s*-{3,}$/i,
  /^Begin forwarded message:$/i,
];

/** "On <date>, <name> wrote:" and its common translations, once joined onto one line. */
const ATTRIBUTIONS: readonly RegExp[] = [
  /^On\s.+\swrote:$/i,
  /^Le\s.+\sa écrit\s?:$/i,
  /^Am\s.+\sschrieb\s.*:$/i,
  /^El\s.+\sescribió:$/i,
  /^Op\s.+\sschreef\s.*:$/i,
  /^Em\s.+\sescreveu:$/i,
  /^Il\s.+\sha scritto:$/i,
];
/** Clients wrap a long attribution; a line opening like one is tried with the next lines too. */
const ATTRIBUTION_OPENING = /^(?:On|Le|Am|El|Op|Em|Il)\s/i;
const ATTRIBUTION_MAX_LINES = 3;

/** Outlook's header block of the quoted mail: a From line with a Sent (or Date) line just below. */
const OUTLOOK_FROM = /^\*?(?:From|Von|De|Van|Da)\s?:\*?\s/i;
const OUTLOOK_SENT = /^\*?(?:Sent|Date|Gesendet|Datum|Envoyé|Enviado|Verzonden|Inviato)\s?:\*?\s/i;
const OUTLOOK_BLOCK_LINES = 4;

/** The signature separator is `-- ` (RFC 3676 §4.3); many clients lose the trailing space. */
const SIGNATURE_SEPARATOR = /^-- ?$/;
const QUOTED = /^\s*>/;
/** Rules left dangling at the end once the history below them is cut (Outlook's underscores). */
const TRAILING_RULE = /^\s*(?:_{5,}|-{5,})\s*$/;

/**
 * The new text of a plain-text mail:
 * - every `>`-quoted line is dropped (top-posted, bottom-posted and interleaved replies alike);
 * - an attribution ("On ... wrote:", also wrapped over several lines, and in French, German,
 *   Spanish, Dutch, Portuguese, Italian) is dropped when quoted lines follow it; with none
 *   following, the unquoted history below it is cut;
 * - it ends at the signature separator, `-----Original Message-----`, Outlook's
 *   `From: / Sent:` block, or a forwarded-message separator (a forward's new text is what the
 *   forwarder wrote above the forwarded mail).
 * Returns '' when nothing new remains.
 */
export function newTextOf(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (QUOTED.test(line)) continue;
    if (SIGNATURE_SEPARATOR.test(line) || startsHistory(lines, i)) break;
    const attribution = attributionLines(lines, i);
    if (attribution > 0) {
      if (!quoteFollows(lines, i + attribution)) break;
      i += attribution - 1;
      continue;
    }
    kept.push(line);
  }
  while (kept.length > 0 && (kept[kept.length - 1]?.trim() === '' || TRAILING_RULE.test(kept[kept.length - 1] ?? ''))) kept.pop();
  return kept.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

function startsHistory(lines: readonly string[], i: number): boolean {
  const line = (lines[i] ?? '').trim();
  if (HISTORY_SEPARATORS.some((re) => re.test(line))) return true;
  if (!OUTLOOK_FROM.test(line)) return false;
  return lines.slice(i + 1, i + 1 + OUTLOOK_BLOCK_LINES).some((next) => OUTLOOK_SENT.test(next.trim()));
}

/** How many lines the attribution starting at line i spans (0: none starts there). */
function attributionLines(lines: readonly string[], i: number): number {
  const first = (lines[i] ?? '').trim();
  if (!ATTRIBUTION_OPENING.test(first)) return 0;
  for (let n = 1; n <= ATTRIBUTION_MAX_LINES && i + n <= lines.length; n++) {
    const joined = lines
      .slice(i, i + n)
      .map((l) => l.trim())
      .join(' ');
    if (ATTRIBUTIONS.some((re) => re.test(joined))) return n;
  }
  return 0;
}

function quoteFollows(lines: readonly string[], from: number): boolean {
  const next = lines.slice(from).find((l) => l.trim() !== '');
  return next !== undefined && QUOTED.test(next);
}

/** Elements holding history or a signature, removed wherever they are. */
const QUOTE_ELEMENTS: readonly { opening: RegExp; tag: string }[] = [
  { opening: /<blockquote\b[^>]*>/i, tag: 'blockquote' },
  {
    opening: /<div\b[^>]*\bclass\s*=\s*["']?[^"'>]*\b(?:gmail_quote|gmail_signature|moz-cite-prefix|moz-signature|yahoo_quoted)\b[^>]*>/i,
    tag: 'div',
  },
];
/** Outlook puts the quoted mail after these markers (beside them, not inside): cut from there. */
const HTML_HISTORY_START = /<(?:div\b[^>]*\bid\s*=\s*["']?(?:appendonsend|divRplyFwdMsg)\b|hr\b[^>]*\bid\s*=\s*["']?stopSpelling\b)/i;

/** An HTML body without its quoted history and signature blocks. */
export function withoutQuotedHtml(html: string): string {
  const start = html.search(HTML_HISTORY_START);
  let out = start >= 0 ? html.slice(0, start) : html;
  for (const { opening, tag } of QUOTE_ELEMENTS) {
    for (let m = opening.exec(out); m; m = opening.exec(out)) out = out.slice(0, m.index) + out.slice(elementEnd(out, m.index, tag));
  }
  return out;
}

/** Where the element opened at `start` ends, counting nested elements of the same tag. */
function elementEnd(html: string, start: number, tag: string): number {
  const tags = new RegExp(`<(/?)${tag}\\b[^>]*>`, 'gi');
  tags.lastIndex = start;
  let depth = 0;
  for (let m = tags.exec(html); m; m = tags.exec(html)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) return tags.lastIndex;
  }
  return html.length;
}

/** The new text of an HTML-only mail: quoted blocks removed, then read as text and stripped as such. */
export function newTextOfHtml(html: string): string {
  return newTextOf(htmlToText(withoutQuotedHtml(html)));
}

// Private-use characters stand for line breaks while tags are being removed.
const BREAK = '\uE000';
const BLOCK = '\uE001';
const PARAGRAPH = '\uE002';
const BLOCK_TAGS = /<\/?(?:div|li|ul|ol|tr|table|h[1-6]|blockquote|pre|hr|section|article|header|footer|center)\b[^>]*>/gi;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * Plain text of an HTML body, enough to read and to find quotes in (not a renderer): source
 * white space collapses as a browser would, `<br>` breaks the line, blocks start on a line of
 * their own, paragraphs are set apart by an empty line, other tags and head/style/script are
 * dropped, and character references plus the common named entities are decoded.
 */
export function htmlToText(html: string): string {
  const marked = html
    .replace(/[\uE000-\uE002]/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(head|style|script|title)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/\s+/g, ' ')
    .replace(/<br\b[^>]*>/gi, BREAK)
    .replace(/<\/?p\b[^>]*>/gi, PARAGRAPH)
    .replace(BLOCK_TAGS, BLOCK)
    .replace(/<[^>]*>/g, '');
  let out = '';
  for (const piece of marked.split(/([\uE000-\uE002])/)) {
    if (piece === BREAK) out += '\n';
    else if (piece === BLOCK) out = out === '' || out.endsWith('\n') ? out : `${out}\n`;
    else if (piece === PARAGRAPH) out = out.trim() === '' ? out : `${out.replace(/\n*$/, '')}\n\n`;
    else out += decodeEntities(piece);
  }
  return out
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]+);/gi, (whole, ref: string) => {
    if (!ref.startsWith('#')) return ENTITIES[ref.toLowerCase()] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    if (code === 0xa0) return ' ';
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
