/**
 * WhatsApp addresses on Twilio are `whatsapp:<id>`: a phone number in E.164 or, for users who
 * hide their number behind a username, a business-scoped user id. Inside Omnigate ids are bare.
 */

const PREFIX = 'whatsapp:';

export function bareAddress(address: string): string {
  return address.startsWith(PREFIX) ? address.slice(PREFIX.length) : address;
}

export function whatsappAddress(id: string): string {
  return `${PREFIX}${bareAddress(id)}`;
}

/** `+` and digits only: a phone number, not a business-scoped id. */
export function isPhoneNumber(id: string): boolean {
  return /^\+\d+$/.test(id);
}
