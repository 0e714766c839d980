import { parseArgs } from 'node:util';
import { SandboxClient } from './client.js';
import { commands } from './cli-commands.js';
import { startSandbox } from './server.js';

const USAGE = `Usage: npm run sandbox -- [serve] [--port 4010] [--imap-port 4143] [--smtp-port 4025] [--host 127.0.0.1]
                              [--accounts <file>] [--gateway <url>] [--step-ms 800]
       npm run sandbox -- <command> [--url http://127.0.0.1:4010]

  serve                      run the sandbox (the default)
  help, --help               this text
  customers                  the simulated customers, by provider account
  say <customer> <text...> [--subject <subject>]
                             the customer writes; an email customer answers their latest mail,
                             or starts a thread with --subject
  show <customer>            the customer's phone (or mailbox): messages and their statuses
  read <customer>            the customer reads what was delivered
  failures                   the failures each provider can produce on demand
  fail <customer> <failure>  the next message to the customer fails so ("off" clears it)
  helpdesk                   the webhooks the helpdesk inbox received
  load [--type whatsapp-cloud] [--customers 10] [--rate 10] [--seconds 10] [--drain 30]
                             customers write at a steady rate: the gateway's answers timed, and
                             their arrival at the helpdesk inbox when it is subscribed`;

/** The command line, or null (after printing the usage) when it cannot be read. */
function commandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        port: { type: 'string' },
        'imap-port': { type: 'string' },
        'smtp-port': { type: 'string' },
        subject: { type: 'string' },
        host: { type: 'string' },
        accounts: { type: 'string' },
        gateway: { type: 'string' },
        'step-ms': { type: 'string' },
        url: { type: 'string' },
        type: { type: 'string' },
        customers: { type: 'string' },
        rate: { type: 'string' },
        seconds: { type: 'string' },
        drain: { type: 'string' },
      },
    });
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
    return null;
  }
}

async function main(): Promise<void> {
  const line = commandLine();
  if (!line) {
    process.exitCode = 2;
    return;
  }
  const { positionals, values } = line;
  const [command = 'serve', ...args] = positionals;
  if (values.help || command === 'help') {
    console.log(USAGE);
    return;
  }
  if (command === 'serve') {
    const sandbox = await startSandbox({
      port: Number(values.port ?? process.env.SANDBOX_PORT ?? 4010),
      // Fixed by default: the demo's email channel keeps the ports it was connected with.
      imapPort: Number(values['imap-port'] ?? process.env.SANDBOX_IMAP_PORT ?? 4143),
      smtpPort: Number(values['smtp-port'] ?? process.env.SANDBOX_SMTP_PORT ?? 4025),
      host: values.host,
      accountsFile: values.accounts,
      gatewayUrl: values.gateway,
      stepMs: values['step-ms'] === undefined ? undefined : Number(values['step-ms']),
    });
    const mail = sandbox.channels().find((c) => c.type === 'email')!.settings as { address: string; imap: { port: number }; smtp: { port: number } };
    console.log(`provider sandbox on ${sandbox.url}: the customers' phones and mailboxes and the helpdesk inbox at ${sandbox.url}/`);
    console.log(`  the business mailbox ${mail.address}: IMAP on port ${mail.imap.port}, SMTP on port ${mail.smtp.port}`);
    const stop = () => void sandbox.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  const run = commands[command];
  if (!run) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  await run(new SandboxClient(values.url ?? process.env.SANDBOX_URL ?? 'http://127.0.0.1:4010'), args, values);
}

main().catch((err: unknown) => {
  console.error(`error: ${(err as Error).message}`);
  process.exitCode = 1;
});
