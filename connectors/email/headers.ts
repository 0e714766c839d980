/** Header fields as read from raw mail: names lowercased, values unfolded, in the order they came. */
export type HeaderMap = ReadonlyMap<string, readonly string[]>;

/**
 * An RFC 5322 header section, and equally the field groups of an RFC 3464 delivery report:
 * everything up to the first empty line; a line starting with white space continues the field
 * above it. Values are kept as written (encoded words are not decoded): the fields read from
 * here are ASCII tokens, addresses and message ids.
 */
export function parseHeaderBlock(text: string): Map<string, string[]> {
  const fields: string[] = [];
  for (const line of text.replace(/^(?:[ \t]*\r?\n)+/, '').split(/\r?\n/)) {
    if (line.trim() === '') break;
    const last = fields.length - 1;
    if (/^[ \t]/.test(line) && last >= 0) fields[last] = `${fields[last]} ${line.trim()}`;
    else fields.push(line);
  }
  const headers = new Map<string, string[]>();
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon <= 0) continue;
    const name = field.slice(0, colon).trim().toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(field.slice(colon + 1).trim());
    headers.set(name, values);
  }
  return headers;
}

/** The first value of a field (where a field appears more than once, the topmost one). */
export function firstHeader(headers: HeaderMap, name: string): string | undefined {
  return headers.get(name.toLowerCase())?.[0];
}
