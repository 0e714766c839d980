/**
 * Canned-response text with `{{ variable }}` placeholders, rendered server-side when sent. Pure:
 * the caller brings the values. An unknown variable or a known one without a value is an error,
 * never blank text, so a customer never reads "Hello ," because a contact has no name.
 */

export const CANNED_VARIABLES = ['contact.name', 'contact.email', 'contact.phone', 'agent.name', 'workspace.name'] as const;
export type CannedVariable = (typeof CANNED_VARIABLES)[number];
export type CannedValues = Partial<Record<CannedVariable, string | undefined>>;

export type RenderResult =
  | { ok: true; text: string }
  | { ok: false; code: 'unknown_variable' | 'variable_missing'; variables: string[] };

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

const isKnown = (name: string): name is CannedVariable => (CANNED_VARIABLES as readonly string[]).includes(name);

/** The distinct variable names a text uses, in order of first use. */
export function variablesOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))];
}

/** Unknown variables of a text; checked when a canned response is saved as well as when sent. */
export function unknownVariables(text: string): string[] {
  return variablesOf(text).filter((v) => !isKnown(v));
}

export function renderCanned(text: string, values: CannedValues): RenderResult {
  const unknown = unknownVariables(text);
  if (unknown.length > 0) return { ok: false, code: 'unknown_variable', variables: unknown };
  // Whitespace-only values count as missing: they would render as blank text just the same.
  const missing = variablesOf(text).filter((v) => isKnown(v) && !values[v]?.trim());
  if (missing.length > 0) return { ok: false, code: 'variable_missing', variables: missing };
  return { ok: true, text: text.replace(PLACEHOLDER, (_m, name: string) => values[name as CannedVariable] ?? '') };
}
