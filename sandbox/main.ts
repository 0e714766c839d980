import { parseArgs } from 'node:util';
import { SandboxClient } from './client.js';
import { commands } from './cli-commands.js';
import { startSandbox } from './server.js';

const USAGE = `Usage: npm run sandbox -- [serve] [--port 4010] [--host 127.0.0.1] [--accounts <file>] [--gateway <url>] [--step-ms 800]
       npm run sandbox -- <command> [--url http://127.0.0.1:4010]

  serve                      run the sandbox (the default)
  customers                  the simulated customers, by provider account
  say <customer> <text...>   the customer writes
  show <customer>            the customer's phone: messages and their statuses
  read <customer>            the customer reads what was delivered
  failures                   the failures each provider can produce on demand
  fail <customer> <failure>  the next message to the customer fails so ("off" clears it)
  helpdesk                   the webhooks the helpdesk inbox received
  load [--type whatsapp-cloud] [--customers 10] [--rate 10] [--seconds 10] [--drain 30]
                             customers write at a steady rate: the gateway's answers timed, and
                             their arrival at the helpdesk inbox when it is subscribed`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
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
  const [command = 'serve', ...args] = positionals;
  if (command === 'serve') {
    const sandbox = await startSandbox({
      port: Number(values.port ?? process.env.SANDBOX_PORT ?? 4010),
      host: values.host,
      accountsFile: values.accounts,
      gatewayUrl: values.gateway,
      stepMs: values['step-ms'] === undefined ? undefined : Number(values['step-ms']),
    });
    console.log(`provider sandbox on ${sandbox.url}: the customers' phones and the helpdesk inbox at ${sandbox.url}/`);
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
