import { randomBytes } from 'node:crypto';

/**
 * A WhatsApp message id as Meta makes them: `wamid.` and base64 of a small binary record holding
 * the customer's number and a random id (e.g. wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA).
 */
export function wamid(customerNumber: string): string {
  const number = Buffer.from(customerNumber, 'ascii');
  const id = Buffer.from(randomBytes(9).toString('hex').toUpperCase(), 'ascii');
  const record = Buffer.concat([Buffer.from([0x1c, 0x18, number.length]), number, Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, id.length]), id, Buffer.from([0x00])]);
  return `wamid.${record.toString('base64')}`;
}
