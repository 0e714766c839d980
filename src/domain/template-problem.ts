/**
 * What is wrong with a template send or with the definition it is checked against: every check
 * returns all the problems it finds, each with where and a stable code callers decide on.
 */

export type TemplateProblemCode =
  | 'name_mismatch'
  | 'language_mismatch'
  /** The definition itself is malformed (placeholders), so the send cannot be checked. */
  | 'definition_invalid'
  | 'component_missing'
  | 'component_unexpected'
  | 'component_duplicate'
  /** A button component without a usable index or with the wrong sub_type. */
  | 'component_invalid'
  | 'parameter_count_mismatch'
  | 'parameter_missing'
  | 'unknown_parameter'
  | 'parameter_duplicate'
  | 'parameter_type_mismatch'
  | 'parameter_invalid'
  | 'text_too_long';

export interface TemplateProblem {
  /** Where: `name`, `language`, `components.body.parameters[1]`, `components.button[0]`, `definition.footer`… */
  path: string;
  code: TemplateProblemCode;
  message: string;
}
