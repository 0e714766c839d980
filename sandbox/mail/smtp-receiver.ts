import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** An SMTP reply that refuses a mail: `550` with `5.1.1 ...`. */
export interface SmtpRefusal {
  code: number;
  message: string;
}

export interface ReceivedEnvelope {
  from: string | null;
  to: string[];
}

export interface SmtpReceiverOptions {
  /** Whether these credentials may submit mail. */
  login: (user: string, password: string) => boolean;
  /**
   * Takes one submitted mail (after DATA): nothing to accept it, a refusal to answer the client
   * with instead.
   */
  receive: (raw: Buffer, envelope: ReceivedEnvelope) => Promise<SmtpRefusal | undefined>;
  host?: string;
  /** 0: any free port. */
  port?: number;
}

export interface SmtpReceiver {
  port: number;
  close(): Promise<void>;
}

/**
 * The sandbox's SMTP server (the smtp-server package): where the gateway's email channel submits
 * its mail. AUTH PLAIN or LOGIN is required, on a plain connection (loopback, no STARTTLS
 * offered); each mail is handed over whole with its envelope and delivered nowhere else.
 */
export async function startSmtpReceiver(opts: SmtpReceiverOptions): Promise<SmtpReceiver> {
  const server = new SMTPServer({
    name: 'smtp.sandbox.test',
    banner: 'Omnigate provider sandbox',
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      if (auth.username && typeof auth.password === 'string' && opts.login(auth.username, auth.password)) callback(null, { user: auth.username });
      else callback(refusal({ code: 535, message: '5.7.8 Authentication credentials invalid' }));
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('error', (err: Error) => callback(err));
      stream.once('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        opts.receive(Buffer.concat(chunks), { from: mailFrom === false ? null : mailFrom.address, to: rcptTo.map((r) => r.address) }).then(
          (refused) => callback(refused ? refusal(refused) : null),
          (err: Error) => callback(err),
        );
      });
    },
  });
  // A client's reset or a refused command is that session's business.
  server.on('error', () => {});
  const port = await new Promise<number>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function refusal({ code, message }: SmtpRefusal): Error {
  return Object.assign(new Error(message), { responseCode: code });
}
