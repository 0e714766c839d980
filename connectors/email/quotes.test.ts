import { describe, expect, it } from 'vitest';
import { htmlToText, newTextOf, newTextOfHtml, withoutQuotedHtml } from './quotes.js';

const lines = (...l: string[]) => l.join('\n');

describe('newTextOf: plain text', () => {
  it.each<[string, string, string]>([
    ['a mail without history stays as it is', lines('Hello,', '', 'Where is my order?', '', 'Ana'), lines('Hello,', '', 'Where is my order?', '', 'Ana')],
    ['Gmail: "On ... wrote:" and the quote below it', lines('Thanks!', '', 'On Tue, 3 Jun 2025 at 12:40, Support <s@x.test> wrote:', '', '> Hello', '> Bye'), 'Thanks!'],
    ['Gmail wraps the attribution: "wrote:" on the next line', lines('Thanks!', '', 'On Tue, 3 Jun 2025 at 12:40, Omnigate Support <support@omnigate.test>', 'wrote:', '', '> Hello'), 'Thanks!'],
    ['an attribution wrapped over three lines', lines('Ok', 'On Tue, 3 Jun 2025 at 12:40,', 'Omnigate Support', '<support@omnigate.test> wrote:', '> Hello'), 'Ok'],
    ['French', lines('Merci', '', 'Le mar. 3 juin 2025 à 12:40, Support <s@x.test> a écrit :', '> Bonjour'), 'Merci'],
    ['German', lines('Danke', '', 'Am 03.06.2025 um 12:40 schrieb Support <s@x.test>:', '> Hallo'), 'Danke'],
    ['Spanish', lines('Gracias', '', 'El mar, 3 jun 2025 a las 12:40, Support (<s@x.test>) escribió:', '> Hola'), 'Gracias'],
    ['Apple Mail: the attribution is itself quoted', lines('Sure.', '', 'Sent from my iPhone', '', '> On 3 Jun 2025, at 12:40, Support <s@x.test> wrote:', '> ', '> Hello'), lines('Sure.', '', 'Sent from my iPhone')],
    ['bottom-posting: the reply below the quote is kept', lines('On Tue, 3 Jun 2025, Support <s@x.test> wrote:', '> Which day suits you?', '', 'Thursday, please.'), 'Thursday, please.'],
    ['interleaved answers keep every answer', lines('> Which day?', 'Thursday.', '> Which time?', 'After 2pm.'), lines('Thursday.', 'After 2pm.')],
    ['an attribution without a quote below cuts the unquoted history', lines('Fine by me.', '', 'On Tue, 3 Jun 2025 at 12:40, Support <s@x.test> wrote:', 'Hello Ana, which day?'), 'Fine by me.'],
    ['-----Original Message-----', lines('See below.', '', '-----Original Message-----', 'From: Support', 'Sent: Tuesday', '', 'Hello'), 'See below.'],
    [
      "Outlook's From/Sent block under an underscore rule",
      lines('Please cancel.', '', 'John', '', '________________________________', 'From: Omnigate Support <support@omnigate.test>', 'Sent: Tuesday, June 3, 2025 12:40 PM', 'To: John', 'Subject: Re: Order', '', 'Hello John'),
      lines('Please cancel.', '', 'John'),
    ],
    ["Outlook's block in German", lines('Bitte stornieren.', '', 'Von: Support <s@x.test>', 'Gesendet: Dienstag, 3. Juni 2025 12:40', 'An: Hans', 'Betreff: AW: Bestellung'), 'Bitte stornieren.'],
    ['a forward keeps what the forwarder wrote above it', lines('Can you help him?', '', '---------- Forwarded message ---------', 'From: Piet <p@x.nl>', '', 'My kettle is broken.'), 'Can you help him?'],
    ["Apple's forward", lines('FYI', '', 'Begin forwarded message:', '', 'From: Piet <p@x.nl>'), 'FYI'],
    ['the signature after "-- "', lines('Hello,', 'Where is my order?', '', '-- ', 'Ana Souza', 'Souza & Filhos'), lines('Hello,', 'Where is my order?')],
    ['the signature separator without its trailing space', lines('Hello', '--', 'Ana'), 'Hello'],
    ['CRLF line ends', 'Thanks!\r\n\r\nOn Tue, 3 Jun 2025, Support <s@x.test> wrote:\r\n> Hello\r\n', 'Thanks!'],
    ['nothing but a quote leaves nothing', lines('On Tue, 3 Jun 2025, Support <s@x.test> wrote:', '> Hello'), ''],
  ])('%s', (_name, text, expected) => {
    expect(newTextOf(text)).toBe(expected);
  });

  it.each<[string, string]>([
    ['a sentence starting with "On" is no attribution', lines('On Monday I am away.', 'Please call me on Tuesday.')],
    ['a From: line without a Sent/Date line below is no header block', lines('From: my office I can see the depot.', 'It is closed.')],
    ['dashes in a sentence are no separator', lines('Prices -- as agreed -- stay.', 'Thanks')],
  ])('keeps text that only looks like history: %s', (_name, text) => {
    expect(newTextOf(text)).toBe(text);
  });
});

describe('HTML', () => {
  it('Gmail: the gmail_quote block (attribution and blockquote) goes', () => {
    const html =
      '<div dir="ltr">Great, thanks!</div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Tue, 3 Jun 2025, Support &lt;s@x.test&gt; wrote:<br></div><blockquote class="gmail_quote">Hello<blockquote>older</blockquote>still quoted</blockquote></div>';
    expect(newTextOfHtml(html)).toBe('Great, thanks!');
  });

  it('Outlook: everything from divRplyFwdMsg / appendonsend on goes', () => {
    const html =
      '<div>Please cancel.</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Support<br><b>Sent:</b> Tuesday</div><div>Hello John</div>';
    expect(withoutQuotedHtml(html)).toBe('<div>Please cancel.</div>');
    expect(newTextOfHtml(html)).toBe('Please cancel.');
  });

  it("Outlook desktop's From/Sent block without ids is cut as text", () => {
    const html = '<p>Please cancel.</p><div style="border-top:solid #E1E1E1 1pt"><p><b>From:</b> Support<br><b>Sent:</b> Tuesday, June 3<br><b>To:</b> John</p></div><p>Hello John</p>';
    expect(newTextOfHtml(html)).toBe('Please cancel.');
  });

  it('bottom-posted HTML keeps the reply after the blockquote', () => {
    expect(newTextOfHtml('<blockquote type="cite">Which day?</blockquote><div>Thursday.</div>')).toBe('Thursday.');
  });

  it('Thunderbird: cite prefix, blockquote and signature go', () => {
    const html = '<p>Yes please.</p><div class="moz-cite-prefix">On 03/06/2025, Support wrote:<br></div><blockquote type="cite"><p>Hi</p></blockquote><div class="moz-signature">-- <br>Ana</div>';
    expect(newTextOfHtml(html)).toBe('Yes please.');
  });

  it('an unclosed blockquote drops the rest', () => {
    expect(withoutQuotedHtml('<p>Kept</p><blockquote>never closed <div>x</div>')).toBe('<p>Kept</p>');
  });
});

describe('htmlToText', () => {
  it.each<[string, string, string]>([
    ['source white space collapses', '<div>Hello\n   there,\tAna</div>', 'Hello there, Ana'],
    ['<br> breaks lines; a block after text starts a new line', 'a<br>b<div>c</div>d', 'a\nb\nc\nd'],
    ["Gmail's line divs, an empty one being a blank line", '<div>A</div><div><br></div><div>B</div>', 'A\n\nB'],
    ['adjacent blocks do not add blank lines', '<div>A</div><div>B</div>', 'A\nB'],
    ['paragraphs are set apart', '<p>One</p><p>Two</p>', 'One\n\nTwo'],
    ['head, style, script and comments are dropped', '<html><head><title>T</title><style>p{}</style></head><body><!-- c --><script>x()</script>Text</body></html>', 'Text'],
    ['entities and character references', 'caf&eacute; &amp; &lt;tag&gt; &quot;q&quot; &#39;s&#x27; &#8364;&nbsp;5 &#233;', 'caf&eacute; & <tag> "q" \'s\' € 5 é'],
    ['links keep their text', 'See <a href="https://x.test/track">tracking</a>.', 'See tracking.'],
    ['list items on their own lines', '<ul><li>one</li><li>two</li></ul>', 'one\ntwo'],
  ])('%s', (_name, html, text) => {
    expect(htmlToText(html)).toBe(text);
  });
});
