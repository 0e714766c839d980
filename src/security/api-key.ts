import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys are shown once and stored only as a SHA-256 hash: they are long random strings, so a
 * fast hash is enough and lets a key be found by its hash in one indexed lookup.
 */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `og_${randomBytes(24).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 10) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
