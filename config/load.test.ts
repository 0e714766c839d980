import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.js';

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/omnigate',
  REDIS_URL: 'redis://127.0.0.1:6379',
  OMNIGATE_ENCRYPTION_KEY: 'a'.repeat(64),
  OMNIGATE_ADMIN_TOKEN: 'x'.repeat(32),
};

describe('loadConfig', () => {
  it('applies production defaults to a minimal valid environment', () => {
    const config = loadConfig(valid);
    expect(config.PORT).toBe(8080);
    expect(config.MAX_BODY_BYTES).toBe(3 * 1024 * 1024);
    expect(config.OMNIGATE_ENCRYPTION_KEY).toHaveLength(32);
    expect(config.WEBHOOK_ALLOWED_HOSTS).toEqual([]);
    expect(config.OMNIGATE_PREVIOUS_ENCRYPTION_KEYS).toEqual([]);
    expect(config.CORS_ORIGINS).toEqual([]);
    expect(config.METRICS_TOKEN).toBeUndefined();
  });

  it('lists every missing or bad setting at once', () => {
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://nope', OMNIGATE_ENCRYPTION_KEY: 'short' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const name of ['MONGODB_URI', 'REDIS_URL', 'PORT', 'OMNIGATE_ENCRYPTION_KEY', 'OMNIGATE_ADMIN_TOKEN']) expect(problems).toContain(name);
    }
  });

  it('accepts a base64 key and splits the webhook allowlist', () => {
    const config = loadConfig({ ...valid, OMNIGATE_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'), WEBHOOK_ALLOWED_HOSTS: 'helpdesk.internal, 10.0.0.5' });
    expect(config.OMNIGATE_ENCRYPTION_KEY.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(config.WEBHOOK_ALLOWED_HOSTS).toEqual(['helpdesk.internal', '10.0.0.5']);
  });

  it('reads previous encryption keys, hex or base64, and refuses a bad one by its position', () => {
    const config = loadConfig({ ...valid, OMNIGATE_PREVIOUS_ENCRYPTION_KEYS: `${'b'.repeat(64)}, ${Buffer.alloc(32, 9).toString('base64')}` });
    expect(config.OMNIGATE_PREVIOUS_ENCRYPTION_KEYS).toEqual([Buffer.from('b'.repeat(64), 'hex'), Buffer.alloc(32, 9)]);
    expect(() => loadConfig({ ...valid, OMNIGATE_PREVIOUS_ENCRYPTION_KEYS: `${'b'.repeat(64)},short` })).toThrow(/OMNIGATE_PREVIOUS_ENCRYPTION_KEYS: key 2 must decode to exactly 32 bytes/);
  });

  it('reads the CORS origins, refusing anything but an origin', () => {
    expect(loadConfig({ ...valid, CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).CORS_ORIGINS).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(loadConfig({ ...valid, CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
    expect(() => loadConfig({ ...valid, CORS_ORIGINS: 'https://app.example.com/path' })).toThrow(/CORS_ORIGINS: "https:\/\/app.example.com\/path" is not an origin/);
  });

  it('takes a metrics token of at least 16 characters', () => {
    expect(loadConfig({ ...valid, METRICS_TOKEN: 'm'.repeat(16) }).METRICS_TOKEN).toBe('m'.repeat(16));
    expect(() => loadConfig({ ...valid, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    // docker-compose.yml passes `${METRICS_TOKEN:-}`: empty means unset.
    expect(loadConfig({ ...valid, METRICS_TOKEN: '' }).METRICS_TOKEN).toBeUndefined();
  });
});
