import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-twilio-signature"]',
  'secrets',
  '*.secrets',
  'accessToken',
  '*.accessToken',
  'appSecret',
  '*.appSecret',
  'verifyToken',
  '*.verifyToken',
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'omnigate' } });
}
