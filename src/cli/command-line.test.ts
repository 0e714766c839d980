import { describe, expect, it } from 'vitest';
import { readCommandLine, UsageError, usageErrorText, type ParsedCommand } from './command-line.js';

const WS = '665f1c2e9b1e8a0012345678';

function command(...argv: string[]): ParsedCommand {
  const line = readCommandLine(argv);
  if (!('command' in line)) throw new Error('expected a command');
  return line.command;
}

function usageError(...argv: string[]): UsageError {
  try {
    readCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('the command line', () => {
  it('reads a command with its options', () => {
    const parsed = command('api-key', 'create', '--workspace', WS, '--name', 'bot', '--role', 'automation');
    expect(parsed.name).toBe('api-key create');
    expect(parsed.required('workspace')).toBe(WS);
    expect(parsed.text('role')).toBe('automation');
  });

  it('leaves an optional option out when it is not given', () => {
    expect(command('api-key', 'create', '--workspace', WS, '--name', 'bot').text('role')).toBeUndefined();
  });

  it('refuses a role that does not exist, naming the roles', () => {
    const err = usageError('api-key', 'create', '--workspace', WS, '--name', 'bot', '--role', 'admn');
    expect(err.message).toBe('--role must be one of admin, agent, automation, not "admn"');
    expect(usageErrorText(err)).toContain('Usage: omnigate api-key create --workspace <id> --name <name> [--role <admin|agent|automation>]');
  });

  it('refuses an option the command does not have', () => {
    expect(usageError('workspace', 'list', '--workspace', WS).message).toBe('unknown option --workspace');
    expect(usageError('workspace', 'create', '--name', 'x', '--colour', 'red').message).toBe('unknown option --colour');
  });

  it('refuses a missing required option, a missing value and a stray argument', () => {
    expect(usageError('api-key', 'create', '--workspace', WS).message).toBe('--name <name> is required');
    expect(usageError('workspace', 'create', '--name').message).toBe('--name needs a value');
    expect(usageError('workspace', 'list', 'extra').message).toBe('unexpected argument "extra"');
  });

  it('checks ids and JSON values before anything runs', () => {
    expect(usageError('channel', 'list', '--workspace', 'abc').message).toBe('--workspace must be an id of 24 hexadecimal characters, not "abc"');
    const base = ['channel', 'add', 'whatsapp-cloud', '--workspace', WS, '--name', 'Support'];
    expect(usageError(...base, '--settings', '{nope', '--secrets', '{}').message).toMatch(/^--settings is not valid JSON: /);
    expect(usageError(...base, '--settings', '[1]', '--secrets', '{}').message).toBe('--settings must be a JSON object');
    expect(usageError('channel', 'add', '--workspace', WS, '--name', 'x', '--settings', '{}', '--secrets', '{}').message).toBe('the <type> argument is required');
    expect(command(...base, '--settings', '{"phoneNumberId":"1"}', '--secrets', '{}').json('settings')).toEqual({ phoneNumberId: '1' });
  });

  it('refuses an unknown command or none', () => {
    expect(usageError('workspaces', 'lst').message).toBe('unknown command "workspaces lst"');
    expect(usageError().message).toBe('no command given');
    expect(usageErrorText(usageError())).toContain('"omnigate --help" lists the commands.');
  });

  it('answers --help, -h and help with the commands, or one command with its options', () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const line = readCommandLine(argv);
      expect('help' in line && line.help).toContain('api-key list --workspace <id> [--json]');
    }
    const line = readCommandLine(['api-key', 'create', '--role', 'nonsense', '--help']);
    expect('help' in line && line.help).toContain('--role <admin|agent|automation>  what the key may do (default agent)');
    expect(readCommandLine(['help', 'channel', 'add'])).toEqual(readCommandLine(['channel', 'add', '--help']));
  });
});
