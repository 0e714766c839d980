import { describe, expect, it } from 'vitest';
import { problemPage, ratingFormPage, thanksPage } from './csat-page.js';

describe('rating pages', () => {
  it('offer the five scores, one required, posting back to the link', () => {
    const form = ratingFormPage();
    expect(form).toContain('<form method="post">');
    for (const score of [1, 2, 3, 4, 5]) expect(form).toContain(`name="rating" value="${score}" required`);
    expect(form).not.toContain('<script');
  });

  it('escape what they show', () => {
    expect(problemPage('<b>"x" & \'y\'</b>')).toContain('&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;');
    expect(thanksPage(4)).toContain('4 out of 5');
  });
});
