import type { SealedSecret, SecretBox } from '../security/secret-box.js';
import { generateWebhookSecret } from './signature.js';

/** What signing needs of a subscription: its sealed secrets, newest first, and the rotation's end. */
interface SecretHolder {
  secrets: SealedSecret;
  rotationEndsAt?: Date | null;
}

/**
 * The secrets a delivery is signed with now: the newest, and while a rotation runs the previous
 * one too, so a receiver still holding the old secret verifies until it has switched.
 */
export function signingSecrets(box: SecretBox, sub: SecretHolder, now: Date): string[] {
  const secrets = box.open<string[]>(sub.secrets);
  const rotating = sub.rotationEndsAt && now.getTime() < sub.rotationEndsAt.getTime();
  return secrets.slice(0, rotating ? 2 : 1);
}

/** A new secret, with the current one kept (sealed) beside it until `rotationEndsAt`; older ones are dropped. */
export function rotateSecrets(box: SecretBox, sub: SecretHolder, now: Date, windowMs: number) {
  const [current] = box.open<string[]>(sub.secrets);
  const secret = generateWebhookSecret();
  return {
    secret,
    update: { secrets: box.seal(current ? [secret, current] : [secret]), rotationEndsAt: new Date(now.getTime() + windowMs) },
  };
}
