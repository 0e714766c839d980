/**
 * The `{{…}}` placeholders of a template text: positional (`{{1}}`, `{{2}}`…) or named
 * (`{{first_name}}`), as Meta writes them.
 */

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const POSITIONAL_KEY = /^[1-9][0-9]*$/;
/** Lower-case letters, digits and underscores, but not digits alone (those are positional or invalid). */
const NAMED_KEY = /^(?![0-9]+$)[a-z0-9_]+$/;

export function isPositionalKey(key: string): boolean {
  return POSITIONAL_KEY.test(key);
}

/** The distinct placeholder keys of a text in order of first use, and the ones that are neither form. */
export function parsePlaceholders(text: string): { keys: string[]; malformed: string[] } {
  const keys: string[] = [];
  const malformed: string[] = [];
  for (const [whole, key = ''] of text.matchAll(PLACEHOLDER)) {
    if (!POSITIONAL_KEY.test(key) && !NAMED_KEY.test(key)) malformed.push(whole);
    else if (!keys.includes(key)) keys.push(key);
  }
  return { keys, malformed };
}

/** The text with each placeholder replaced by its key's value; one without a value stays as written. */
export function fillPlaceholders(text: string, valueOf: (key: string) => string | undefined): string {
  return text.replace(PLACEHOLDER, (whole, key: string) => valueOf(key) ?? whole);
}
