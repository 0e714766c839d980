import { parseArgs } from 'node:util';
import { API_KEY_ROLES } from '../domain/api-key.js';

/**
 * The CLI's commands and their options, and the reading of a command line against them. Nothing
 * here touches a service or the configuration, so help and usage errors answer at once anywhere.
 */

interface OptionSpec {
  /** A flag takes no value. */
  flag?: boolean;
  required?: boolean;
  /** What the value looks like in the usage line. */
  value?: string;
  /** The only values accepted. */
  oneOf?: readonly string[];
  /** The value is a JSON object. */
  json?: boolean;
  /** The value is a record id (24 hex characters). */
  id?: boolean;
  help: string;
}

interface CommandSpec {
  summary: string;
  /** A positional argument after the command's words. */
  argument?: { name: string; help: string };
  options: Record<string, OptionSpec>;
  example?: string;
}

const JSON_OUTPUT: OptionSpec = { flag: true, help: 'print JSON instead of a table' };
const WORKSPACE_ID: OptionSpec = { required: true, id: true, value: '<id>', help: 'the workspace' };

export const COMMANDS = {
  'workspace create': {
    summary: 'Create a workspace and its first admin API key (shown once)',
    options: { name: { required: true, value: '<name>', help: 'what people call the workspace' } },
  },
  'workspace list': { summary: 'List every workspace of this instance, oldest first', options: { json: JSON_OUTPUT } },
  'api-key create': {
    summary: 'Create an API key of a workspace (shown once)',
    options: {
      workspace: WORKSPACE_ID,
      name: { required: true, value: '<name>', help: 'who or what uses the key' },
      role: { oneOf: API_KEY_ROLES, value: `<${API_KEY_ROLES.join('|')}>`, help: 'what the key may do (default agent)' },
    },
  },
  'api-key list': { summary: "List a workspace's API keys, newest first, revoked ones included", options: { workspace: WORKSPACE_ID, json: JSON_OUTPUT } },
  'channel add': {
    summary: 'Connect a channel; prints it with the webhook URL to give the provider',
    argument: { name: 'type', help: 'whatsapp-cloud, whatsapp-twilio, messenger or email' },
    options: {
      workspace: WORKSPACE_ID,
      name: { required: true, value: '<name>', help: "the channel's name" },
      settings: { required: true, json: true, value: "'<json>'", help: 'the provider settings, a JSON object' },
      secrets: { required: true, json: true, value: "'<json>'", help: 'the provider secrets, a JSON object (sealed at rest)' },
    },
    example: `channel add whatsapp-cloud --workspace 665f1c2e9b1e8a0012345678 --name Support \\
      --settings '{"phoneNumberId":"1234","wabaId":"5678"}' \\
      --secrets '{"accessToken":"...","appSecret":"...","verifyToken":"..."}'`,
  },
  'channel list': { summary: "List a workspace's channels, newest first", options: { workspace: WORKSPACE_ID, json: JSON_OUTPUT } },
  'templates sync': {
    summary: "Fetch a channel's message templates from the provider",
    options: { workspace: WORKSPACE_ID, channel: { required: true, id: true, value: '<id>', help: 'the channel' } },
  },
  'secrets reseal': {
    summary: 'Seal every stored secret with the current OMNIGATE_ENCRYPTION_KEY (after a key rotation)',
    options: {},
  },
  demo: { summary: 'Create (once) a demo workspace with a WhatsApp Cloud channel; print a fresh API key', options: {} },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** A command line the CLI cannot run; the message says why (exit status 2). */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command it concerns, for its usage line. */
    readonly command?: CommandName,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command with its options read and checked. */
export class ParsedCommand {
  constructor(
    readonly name: CommandName,
    private readonly values: Readonly<Record<string, string | boolean | undefined>>,
    readonly argument: string | undefined,
  ) {}

  /** A text option's value; undefined when it is optional and was not given. */
  text(option: string): string | undefined {
    const value = this.values[option];
    return typeof value === 'string' ? value : undefined;
  }

  /** A required option's value (checked when the line was read). */
  required(option: string): string {
    const value = this.text(option);
    if (value === undefined) throw new UsageError(`--${option} is required`, this.name);
    return value;
  }

  /** An option limited to `values` (checked when the line was read); undefined when not given. */
  choice<T extends string>(option: string, values: readonly T[]): T | undefined {
    const value = this.text(option);
    if (value === undefined) return undefined;
    const chosen = values.find((v) => v === value);
    if (chosen === undefined) throw new UsageError(`--${option} must be one of ${values.join(', ')}, not "${value}"`, this.name);
    return chosen;
  }

  /** A JSON option's object (checked when the line was read). */
  json(option: string): Record<string, unknown> {
    return JSON.parse(this.required(option)) as Record<string, unknown>;
  }

  flag(option: string): boolean {
    return this.values[option] === true;
  }
}

export type CommandLine = { help: string } | { command: ParsedCommand };

const PROGRAM = 'omnigate';

/** Reads argv (without node and the script); throws UsageError for anything it cannot run. */
export function readCommandLine(argv: readonly string[]): CommandLine {
  if (argv[0] === 'help') return { help: helpFor(commandNameOf(argv.slice(1))) };
  const name = commandNameOf(argv);
  if (argv.includes('--help') || argv.includes('-h')) return { help: helpFor(name) };
  if (!name) {
    if (argv.length === 0) throw new UsageError('no command given');
    throw new UsageError(`unknown command "${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}"`);
  }
  const spec: CommandSpec = COMMANDS[name];
  const words = name.split(' ').length;
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(words),
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(Object.entries(spec.options).map(([option, o]) => [option, { type: o.flag ? 'boolean' : 'string' }] as const)),
    });
  } catch (err) {
    throw new UsageError(parseArgsProblem(err), name);
  }
  const { values, positionals } = parsed;
  const expected = spec.argument ? 1 : 0;
  if (positionals.length > expected) throw new UsageError(`unexpected argument "${positionals[expected]}"`, name);
  if (spec.argument && positionals.length === 0) throw new UsageError(`the <${spec.argument.name}> argument is required`, name);
  for (const [option, o] of Object.entries(spec.options)) checkOption(name, option, o, values[option]);
  return { command: new ParsedCommand(name, values, positionals[0]) };
}

/** The command named by the line's first words, if any. */
function commandNameOf(argv: readonly string[]): CommandName | undefined {
  const [first, second] = argv;
  const known = (candidate: string): candidate is CommandName => Object.hasOwn(COMMANDS, candidate);
  if (first !== undefined && second !== undefined && known(`${first} ${second}`)) return `${first} ${second}` as CommandName;
  return first !== undefined && known(first) ? first : undefined;
}

function checkOption(command: CommandName, option: string, spec: OptionSpec, value: string | boolean | undefined): void {
  if (value === undefined) {
    if (spec.required) throw new UsageError(`--${option} ${spec.value ?? ''} is required`.replace(/ +is/, ' is'), command);
    return;
  }
  if (typeof value !== 'string') return;
  if (spec.oneOf && !spec.oneOf.includes(value)) throw new UsageError(`--${option} must be one of ${spec.oneOf.join(', ')}, not "${value}"`, command);
  if (spec.id && !/^[0-9a-f]{24}$/i.test(value)) throw new UsageError(`--${option} must be an id of 24 hexadecimal characters, not "${value}"`, command);
  if (spec.json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      throw new UsageError(`--${option} is not valid JSON: ${(err as Error).message}`, command);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--${option} must be a JSON object`, command);
  }
}

/** node:util's parse errors, said shortly. */
function parseArgsProblem(err: unknown): string {
  const { code, message } = err as { code?: string; message?: string };
  const option = /'(-[^' ]+)/.exec(message ?? '')?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${option} ${/argument missing/.test(message ?? '') ? 'needs a value' : 'takes no value'}`;
  return message ?? String(err);
}

function usageLine(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  const parts = [name, ...(spec.argument ? [`<${spec.argument.name}>`] : [])];
  for (const [option, o] of Object.entries(spec.options)) {
    const text = o.flag ? `--${option}` : `--${option} ${o.value ?? '<value>'}`;
    parts.push(o.required ? text : `[${text}]`);
  }
  return parts.join(' ');
}

function helpFor(name: CommandName | undefined): string {
  return name ? commandHelp(name) : overallHelp();
}

function overallHelp(): string {
  const names = Object.keys(COMMANDS) as CommandName[];
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    ...names.flatMap((name) => [`  ${usageLine(name)}`, `      ${COMMANDS[name].summary}`]),
    '',
    `"${PROGRAM} <command> --help" describes a command and its options.`,
    'Run it as "npm run omnigate -- <command>" in a checkout, "node dist/src/cli/main.js <command>" in the',
    'Docker image. Commands read the same environment as the gateway (MONGODB_URI, REDIS_URL,',
    'OMNIGATE_ENCRYPTION_KEY, ...; see the README) and connect only to what they use.',
  ].join('\n');
}

function commandHelp(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  const rows = [
    ...(spec.argument ? [[`<${spec.argument.name}>`, spec.argument.help]] : []),
    ...Object.entries(spec.options).map(([option, o]) => [o.flag ? `--${option}` : `--${option} ${o.value ?? '<value>'}`, `${o.help}${o.required ? ' (required)' : ''}`]),
  ];
  const width = Math.max(0, ...rows.map(([left]) => left!.length));
  return [
    `Usage: ${PROGRAM} ${usageLine(name)}`,
    '',
    spec.summary,
    ...(rows.length > 0 ? ['', ...rows.map(([left, right]) => `  ${left!.padEnd(width)}  ${right}`)] : []),
    ...(spec.example ? ['', 'Example:', `  ${PROGRAM} ${spec.example}`] : []),
  ].join('\n');
}

/** What a usage error prints: the problem and the usage of the command, or where help is. */
export function usageErrorText(err: UsageError): string {
  const hint = err.command ? `Usage: ${PROGRAM} ${usageLine(err.command)}` : `"${PROGRAM} --help" lists the commands.`;
  return `error: ${err.message}\n${hint}`;
}
