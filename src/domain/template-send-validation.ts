import type { TemplateComponentValues, TemplateSend } from './message.js';
import { checkMediaValue, checkPlaceholderValue, checkText } from './template-parameter-values.js';
import type { TemplateProblem } from './template-problem.js';
import { slotCount, templateParameterSlots, type ButtonSlots, type HeaderSlots, type PlaceholderSlots } from './template-slots.js';
import { checkTextLimits } from './template-text-limits.js';
import { templateButtons, type TemplateDefinition } from './template.js';

/**
 * Checks an outbound template send against its registered definition before it is queued, so a
 * mismatch becomes a precise refusal instead of a provider error (132000 parameter count,
 * 132012 parameter format) once the message is already on its way.
 * Pure: no I/O, never throws on bad input; every problem found is returned.
 */
export function validateTemplateSend(definition: TemplateDefinition, send: TemplateSend): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  if (send.name !== definition.name) {
    problems.push({ path: 'name', code: 'name_mismatch', message: `Template "${send.name}" was checked against "${definition.name}"` });
  }
  if (send.language !== definition.language) {
    problems.push({
      path: 'language',
      code: 'language_mismatch',
      message: `Template "${definition.name}" is registered in "${definition.language}", not "${send.language}"`,
    });
  }

  const slots = templateParameterSlots(definition);
  // Checking parameters against a malformed definition would only add noise.
  if (slots.definitionProblems.length > 0) return [...problems, ...slots.definitionProblems];

  const sent = collectComponents(send, problems);
  checkHeader(slots.header, sent.header, problems);
  checkComponent('body', slots.body, sent.body, problems);
  checkButtons(slots.buttons, templateButtons(definition).length, sent.buttons, problems);
  checkTextLimits(definition, send, problems);
  return problems;
}

interface SentComponents {
  header?: TemplateComponentValues;
  body?: TemplateComponentValues;
  buttons: Map<number, TemplateComponentValues>;
}

function collectComponents(send: TemplateSend, problems: TemplateProblem[]): SentComponents {
  const sent: SentComponents = { buttons: new Map() };
  send.components.forEach((component, position) => {
    if (component.type !== 'button') {
      if (sent[component.type]) {
        problems.push({ path: `components.${component.type}`, code: 'component_duplicate', message: `More than one ${component.type} component` });
      } else {
        sent[component.type] = component;
      }
      return;
    }
    const { index } = component;
    if (index === undefined || !Number.isInteger(index) || index < 0) {
      problems.push({
        path: `components[${position}]`,
        code: 'component_invalid',
        message: 'A button component needs the index (from 0) of the button it fills',
      });
    } else if (sent.buttons.has(index)) {
      problems.push({ path: `components.button[${index}]`, code: 'component_duplicate', message: `More than one component for button ${index}` });
    } else {
      sent.buttons.set(index, component);
    }
  });
  return sent;
}

/** A component with nothing to fill is tolerated when it carries no parameters. */
function rejectParameters(component: TemplateComponentValues | undefined, path: string, problems: TemplateProblem[]): void {
  if (component && component.parameters.length > 0) {
    problems.push({ path, code: 'component_unexpected', message: `The template takes no parameters here, ${component.parameters.length} sent` });
  }
}

function checkHeader(slots: HeaderSlots | undefined, component: TemplateComponentValues | undefined, problems: TemplateProblem[]): void {
  const path = 'components.header';
  if (slots === undefined) return rejectParameters(component, path, problems);
  if (slots.kind === 'location') return;
  if (slots.kind === 'text') return checkComponent('header', slots.placeholders, component, problems);

  if (!component) {
    problems.push({ path, code: 'component_missing', message: `The template has a ${slots.mediaType} header: send one ${slots.mediaType} parameter` });
    return;
  }
  if (component.parameters.length !== 1) {
    problems.push({ path, code: 'parameter_count_mismatch', message: `A ${slots.mediaType} header takes exactly 1 parameter, ${component.parameters.length} sent` });
  }
  component.parameters.forEach((parameter, i) => {
    const parameterPath = `${path}.parameters[${i}]`;
    if (parameter.type !== slots.mediaType) {
      problems.push({
        path: parameterPath,
        code: 'parameter_type_mismatch',
        message: `The header is ${slots.mediaType}, the parameter is ${parameter.type}`,
      });
      return;
    }
    checkMediaValue(parameter[slots.mediaType], slots.mediaType, parameterPath, problems);
  });
}

/** Header text or body: the parameters fill the placeholders by order (positional) or by name. */
function checkComponent(
  where: 'header' | 'body',
  slots: PlaceholderSlots | undefined,
  component: TemplateComponentValues | undefined,
  problems: TemplateProblem[],
): void {
  const path = `components.${where}`;
  if (slots === undefined) return rejectParameters(component, path, problems);
  if (!component) {
    problems.push({ path, code: 'component_missing', message: `The ${where} takes ${slotCount(slots)} parameter(s): send a ${where} component` });
    return;
  }
  const { parameters } = component;

  if (slots.format === 'positional') {
    if (parameters.length !== slots.indexes.length) {
      problems.push({
        path,
        code: 'parameter_count_mismatch',
        message: `The ${where} takes ${slots.indexes.length} parameter(s) ({{1}}..{{${slots.indexes.length}}}), ${parameters.length} sent`,
      });
    }
    parameters.forEach((parameter, i) => {
      const parameterPath = `${path}.parameters[${i}]`;
      if (parameter.parameter_name !== undefined) {
        problems.push({
          path: parameterPath,
          code: 'unknown_parameter',
          message: `The template uses positional parameters (filled by order): parameter_name "${parameter.parameter_name}" does not exist`,
        });
      }
      checkPlaceholderValue(parameter, parameterPath, where, problems);
    });
    return;
  }

  // Named: the name checks below already account for a wrong count, so none is reported separately.
  const seen = new Set<string>();
  parameters.forEach((parameter, i) => {
    const parameterPath = `${path}.parameters[${i}]`;
    const name = parameter.parameter_name;
    if (name === undefined) {
      problems.push({ path: parameterPath, code: 'parameter_invalid', message: 'The template uses named parameters: every parameter needs parameter_name' });
    } else if (!slots.names.includes(name)) {
      problems.push({
        path: parameterPath,
        code: 'unknown_parameter',
        message: `The ${where} has no {{${name}}}; it takes ${slots.names.map((n) => `{{${n}}}`).join(', ')}`,
      });
    } else if (seen.has(name)) {
      problems.push({ path: parameterPath, code: 'parameter_duplicate', message: `{{${name}}} is sent more than once` });
    } else {
      seen.add(name);
    }
    checkPlaceholderValue(parameter, parameterPath, where, problems);
  });
  for (const name of slots.names) {
    if (!seen.has(name)) problems.push({ path, code: 'parameter_missing', message: `No value for {{${name}}}` });
  }
}

function checkButtons(
  slots: ButtonSlots[],
  buttonCount: number,
  sent: Map<number, TemplateComponentValues>,
  problems: TemplateProblem[],
): void {
  for (const slot of slots) {
    const path = `components.button[${slot.index}]`;
    const component = sent.get(slot.index);
    if (!component) {
      if (slot.required) {
        problems.push({ path, code: 'component_missing', message: `Button ${slot.index} has a dynamic URL: send its {{1}} value` });
      }
      continue;
    }
    if (component.sub_type !== slot.subType) {
      problems.push({
        path,
        code: 'component_invalid',
        message: `Button ${slot.index} is a ${slot.subType} button, sub_type is ${component.sub_type ?? 'missing'}`,
      });
    }
    if (component.parameters.length !== 1) {
      problems.push({
        path,
        code: 'parameter_count_mismatch',
        message: `Button ${slot.index} takes exactly 1 ${slot.parameterType} parameter, ${component.parameters.length} sent`,
      });
    }
    component.parameters.forEach((parameter, i) => {
      const parameterPath = `${path}.parameters[${i}]`;
      if (parameter.type !== slot.parameterType) {
        problems.push({
          path: parameterPath,
          code: 'parameter_type_mismatch',
          message: `Button ${slot.index} takes a ${slot.parameterType} parameter, not ${parameter.type}`,
        });
      } else {
        checkText(parameter[slot.parameterType], slot.parameterType, parameterPath, 'button', problems);
      }
    });
  }
  for (const [index, component] of sent) {
    if (slots.some((s) => s.index === index)) continue;
    if (index >= buttonCount) {
      problems.push({ path: `components.button[${index}]`, code: 'component_unexpected', message: `The template has no button ${index}` });
    } else {
      rejectParameters(component, `components.button[${index}]`, problems);
    }
  }
}
