import { describe, expect, it } from 'vitest';
import { ForbiddenWebhookUrlError, assertPublicHost, isValidAllowlistEntry, webhookHostOf } from './url-guard.js';

/** The check of a URL as the guard makes it: its host, then the host's addresses. */
const assertPublicUrl = async (url: string, opts?: Parameters<typeof assertPublicHost>[1]) => assertPublicHost(webhookHostOf(url), opts);

/** A resolver from a fixed table, recording what it was asked. */
function fakeDns(table: Record<string, string[]>) {
  const asked: string[] = [];
  const lookup = async (host: string) => {
    asked.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses;
  };
  return { asked, lookup };
}

const noDns = async (host: string): Promise<string[]> => {
  throw new Error(`unexpected DNS lookup of ${host}`);
};

async function forbidden(url: string, opts: Parameters<typeof assertPublicUrl>[1] = { lookup: noDns }): Promise<ForbiddenWebhookUrlError> {
  const err: unknown = await assertPublicUrl(url, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${url} should be forbidden`).toBeInstanceOf(ForbiddenWebhookUrlError);
  expect((err as ForbiddenWebhookUrlError).code).toBe('webhook_url_forbidden');
  return err as ForbiddenWebhookUrlError;
}

describe('webhookHostOf and assertPublicHost', () => {
  it.each([
    ['loopback', 'http://127.0.0.1/hook'],
    ['loopback, elsewhere in 127/8', 'https://127.255.0.9:8443/hook'],
    ['loopback as a decimal number', 'http://2130706433/hook'],
    ['loopback in short hex form', 'http://0x7f.1/hook'],
    ['10/8', 'http://10.1.2.3/hook'],
    ['172.16/12, low end', 'http://172.16.0.1/hook'],
    ['172.16/12, high end', 'http://172.31.255.255/hook'],
    ['192.168/16', 'http://192.168.1.10/hook'],
    ['link-local', 'http://169.254.10.20/hook'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['CGNAT 100.64/10, low end', 'http://100.64.0.1/hook'],
    ['CGNAT 100.64/10, high end', 'http://100.127.255.254/hook'],
    ['0.0.0.0/8', 'http://0.0.0.0/hook'],
    ['0.0.0.0/8, not only zero', 'http://0.1.2.3/hook'],
    ['multicast', 'http://224.0.0.1/hook'],
    ['broadcast', 'http://255.255.255.255/hook'],
    ['IPv6 loopback', 'http://[::1]/hook'],
    ['IPv6 unspecified', 'http://[::]/hook'],
    ['IPv6 unique local fc00::/7 (fc)', 'http://[fc00::1]/hook'],
    ['IPv6 unique local fc00::/7 (fd)', 'http://[fd12:3456::1]/hook'],
    ['IPv6 link-local', 'http://[fe80::1]/hook'],
    ['IPv6 link-local, high end of fe80::/10', 'http://[febf::1]/hook'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/hook'],
    ['IPv4-mapped metadata', 'http://[::ffff:169.254.169.254]/hook'],
    ['IPv4-mapped private, hex form', 'http://[::ffff:a00:1]/hook'],
    ['benchmarking 198.18/15', 'http://198.18.0.1/hook'],
    ['benchmarking 198.18/15, high end', 'http://198.19.255.254/hook'],
    ['IETF protocol assignments 192.0.0/24', 'http://192.0.0.8/hook'],
    ['documentation 192.0.2/24', 'http://192.0.2.1/hook'],
    ['NAT64 64:ff9b::/96', 'http://[64:ff9b::a00:1]/hook'],
    ['IPv6 documentation 2001:db8::/32', 'http://[2001:db8::1]/hook'],
    ['IPv6 deprecated site-local fec0::/10', 'http://[fec0::1]/hook'],
  ])('refuses a literal %s address', async (_name, url) => {
    await forbidden(url);
  });

  it.each([
    ['public IPv4', 'https://93.184.216.34/hook'],
    ['just outside 172.16/12', 'http://172.32.0.1/hook'],
    ['just below 172.16/12', 'http://172.15.255.255/hook'],
    ['just outside CGNAT', 'http://100.128.0.1/hook'],
    ['just outside 192.168/16', 'http://192.169.0.1/hook'],
    ['public IPv6', 'https://[2606:4700:4700::1111]/hook'],
    ['IPv4-mapped public', 'http://[::ffff:8.8.8.8]/hook'],
    ['global unicast 2000::/3, low end', 'http://[2000::1]/hook'],
  ])('accepts a literal %s address without DNS', async (_name, url) => {
    await expect(assertPublicUrl(url, { lookup: noDns })).resolves.toBeUndefined();
  });

  it.each([
    ['ftp', 'ftp://93.184.216.34/hook'],
    ['file', 'file:///etc/passwd'],
    ['javascript', 'javascript:alert(1)'],
    ['data', 'data:text/plain,hi'],
    ['gopher', 'gopher://93.184.216.34/'],
  ])('refuses the %s scheme', async (_name, url) => {
    expect((await forbidden(url)).message).toMatch(/http or https/);
  });

  it('refuses what is not a URL', async () => {
    await forbidden('not a url');
    await forbidden('');
    await forbidden('/relative/path');
  });

  it('resolves names and accepts them when every address is public', async () => {
    const dns = fakeDns({ 'helpdesk.example.com': ['93.184.216.34', '2606:2800:220:1::248'] });
    await expect(assertPublicUrl('https://Helpdesk.Example.com./hook', { lookup: dns.lookup })).resolves.toBeUndefined();
    expect(dns.asked).toEqual(['helpdesk.example.com']);
  });

  it.each([
    ['a private address', ['10.0.0.5']],
    ['loopback', ['127.0.0.1']],
    ['the metadata service', ['169.254.169.254']],
    ['IPv6 unique local', ['fd00::5']],
    ['an IPv4-mapped private address', ['::ffff:192.168.0.1']],
    ['one private address among public ones', ['93.184.216.34', '192.168.0.7', '2606:2800:220:1::248']],
    ['a link-local address with a zone id', ['fe80::1%eth0']],
  ])('refuses a name resolving to %s', async (_name, addresses) => {
    const dns = fakeDns({ 'sneaky.example.com': addresses });
    const err = await forbidden('https://sneaky.example.com/hook', { lookup: dns.lookup });
    expect(err.message).toMatch(/sneaky\.example\.com resolves to/);
  });

  it('refuses a name resolving to nothing, or to something that is not an address', async () => {
    await forbidden('https://empty.example.com/', { lookup: fakeDns({ 'empty.example.com': [] }).lookup });
    await forbidden('https://odd.example.com/', { lookup: fakeDns({ 'odd.example.com': ['not-an-ip'] }).lookup });
  });

  it('lets DNS failures through as they are, not as forbidden', async () => {
    const err: unknown = await assertPublicUrl('https://nxdomain.example.com/', { lookup: fakeDns({}).lookup }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ForbiddenWebhookUrlError);
    expect((err as { code?: string }).code).toBe('ENOTFOUND');
  });

  it('uses the system resolver by default', async () => {
    await forbidden('http://localhost:8080/hook', {});
  });

  describe('allowlist', () => {
    it('lets an allowlisted hostname through without resolving it', async () => {
      await expect(assertPublicUrl('http://helpdesk.internal:8080/hook', { allowlist: ['Helpdesk.Internal'], lookup: noDns })).resolves.toBeUndefined();
      await expect(assertPublicUrl('http://localhost:3000/hook', { allowlist: ['localhost'] })).resolves.toBeUndefined();
      await forbidden('http://other.internal/hook', { allowlist: ['helpdesk.internal'], lookup: fakeDns({ 'other.internal': ['10.0.0.9'] }).lookup });
    });

    it('does not treat an allowlisted name as a suffix', async () => {
      const lookup = fakeDns({ 'evil-helpdesk.internal': ['10.0.0.9'], 'helpdesk.internal.evil.com': ['10.0.0.9'] }).lookup;
      await forbidden('http://evil-helpdesk.internal/', { allowlist: ['helpdesk.internal'], lookup });
      await forbidden('http://helpdesk.internal.evil.com/', { allowlist: ['helpdesk.internal'], lookup });
    });

    it('lets allowlisted addresses through, literal or resolved', async () => {
      await expect(assertPublicUrl('http://10.0.0.5/hook', { allowlist: ['10.0.0.5'], lookup: noDns })).resolves.toBeUndefined();
      await forbidden('http://10.0.0.6/hook', { allowlist: ['10.0.0.5'], lookup: noDns });
      await expect(assertPublicUrl('http://[::1]:8080/hook', { allowlist: ['[::1]'], lookup: noDns })).resolves.toBeUndefined();
      const lookup = fakeDns({ 'desk.corp': ['10.0.0.5'] }).lookup;
      await expect(assertPublicUrl('http://desk.corp/hook', { allowlist: ['10.0.0.5'], lookup })).resolves.toBeUndefined();
    });

    it('lets CIDR ranges through, IPv4 (also when IPv4-mapped) and IPv6', async () => {
      const allowlist = ['10.20.0.0/16', 'fd00:1::/32'];
      await expect(assertPublicUrl('http://10.20.3.4/', { allowlist, lookup: noDns })).resolves.toBeUndefined();
      await expect(assertPublicUrl('http://[::ffff:10.20.3.4]/', { allowlist, lookup: noDns })).resolves.toBeUndefined();
      await expect(assertPublicUrl('http://[fd00:1:2::3]/', { allowlist, lookup: noDns })).resolves.toBeUndefined();
      await forbidden('http://10.21.0.1/', { allowlist, lookup: noDns });
      await forbidden('http://[fd00:2::3]/', { allowlist, lookup: noDns });
    });

    it('requires every resolved address to be public or allowlisted', async () => {
      const lookup = fakeDns({ 'desk.corp': ['10.20.0.5', '192.168.1.1'] }).lookup;
      const err = await forbidden('http://desk.corp/', { allowlist: ['10.20.0.0/16'], lookup });
      expect(err.message).toMatch(/192\.168\.1\.1/);
    });

    it('does not let the allowlist widen the schemes', async () => {
      await forbidden('ftp://helpdesk.internal/', { allowlist: ['helpdesk.internal'] });
    });

    it.each(['10.0.0.0/33', 'fd00::/129', 'desk.corp/8', '10.0.0.0/8/8', '10.0.0.0/x'])('rejects the malformed entry %s', async (entry) => {
      await expect(assertPublicUrl('http://93.184.216.34/', { allowlist: [entry], lookup: noDns })).rejects.toThrow(/allowlist entry/);
    });
  });
});

describe('isValidAllowlistEntry', () => {
  it('takes hostnames, addresses and CIDRs', () => {
    for (const entry of ['helpdesk.internal', 'localhost', '10.0.0.5', '10.0.0.0/8', 'fd00::/8', '::1']) expect(isValidAllowlistEntry(entry), entry).toBe(true);
  });
  it('refuses anything else', () => {
    for (const entry of ['not a host', 'http://x', 'host/8', '10.0.0.0/33', '10.0.0.0/8/1', '-bad.example']) expect(isValidAllowlistEntry(entry), entry).toBe(false);
  });
});
