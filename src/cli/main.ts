import { readCommandLine, UsageError, usageErrorText, type CommandName, type ParsedCommand } from './command-line.js';
import { describeError } from './output.js';
import type { CliResources } from './resources.js';

/**
 * The CLI's entry: the command line is read and checked before anything is loaded or connected,
 * so help and usage errors answer at once without any service; then the command's own code is
 * loaded and opens only what it uses (src/cli/resources.ts).
 */

type Run = (command: ParsedCommand, resources: CliResources) => Promise<void>;

/** Each command's code, loaded when it runs. */
const RUNS: Record<CommandName, () => Promise<Run>> = {
  'workspace create': async () => (await import('./workspace-commands.js')).createWorkspaceCommand,
  'workspace list': async () => (await import('./workspace-commands.js')).listWorkspacesCommand,
  'api-key create': async () => (await import('./api-key-commands.js')).createApiKeyCommand,
  'api-key list': async () => (await import('./api-key-commands.js')).listApiKeysCommand,
  'channel add': async () => (await import('./channel-commands.js')).addChannelCommand,
  'channel list': async () => (await import('./channel-commands.js')).listChannelsCommand,
  'templates sync': async () => (await import('./channel-commands.js')).syncTemplatesCommand,
  'secrets reseal': async () => (await import('./secret-commands.js')).resealSecretsCommand,
  demo: async () => (await import('./demo-command.js')).runDemo,
};

async function main(argv: string[]): Promise<number> {
  let line;
  try {
    line = readCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(usageErrorText(err));
    return 2;
  }
  if ('help' in line) {
    console.log(line.help);
    return 0;
  }
  const { loadConfig, ConfigError } = await import('../../config/load.js');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 1;
  }
  const { CliResources } = await import('./resources.js');
  const resources = new CliResources(config);
  try {
    await (await RUNS[line.command.name]())(line.command, resources);
    return 0;
  } catch (err) {
    console.error(describeError(err));
    return 1;
  } finally {
    await resources.close();
  }
}

// Exits explicitly: a client still retrying a connection that failed must not keep the process alive.
main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
