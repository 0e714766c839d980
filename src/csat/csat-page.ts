import { CSAT_SCORES } from '../analytics/metrics.js';

/** The customer-facing pages of a rating link: plain HTML, no script, no outside resources. */

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>
${body}
</main></body>
</html>
`;
}

/** The form posts back to its own address (the link). */
export function ratingFormPage(): string {
  const choices = CSAT_SCORES.map((s) => `<label><input type="radio" name="rating" value="${s}" required> ${s}</label>`).join('\n');
  return page(
    'How did we do?',
    `<form method="post">
<fieldset><legend>Rate this conversation from 1 (poor) to 5 (excellent)</legend>
${choices}
</fieldset>
<p><label for="comment">Anything to add? (optional)</label><br><textarea id="comment" name="comment" maxlength="2000" rows="4" cols="40"></textarea></p>
<p><button type="submit">Send</button></p>
</form>`,
  );
}

export function thanksPage(rating: number): string {
  return page('Thank you', `<p>Your rating of ${rating} out of 5 has been recorded.</p>`);
}

export function problemPage(message: string): string {
  return page('Sorry', `<p>${escape(message)}</p>`);
}
