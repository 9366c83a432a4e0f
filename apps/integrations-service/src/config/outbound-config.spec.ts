import { ConfigError } from './config.error';
import { loadOutboundConfig } from './outbound-config';

describe('loadOutboundConfig', () => {
  it('allows nothing beyond the public internet by default', () => {
    expect(loadOutboundConfig({})).toEqual({ allowCidrs: [], proxy: {}, maxRedirects: 10 });
  });

  it('reads the allow-list, the proxies (either case) and the redirect limit', () => {
    expect(
      loadOutboundConfig({
        OUTBOUND_ALLOW_CIDRS: '10.20.0.0/16, fd12::/16',
        https_proxy: 'http://proxy.corp:3128',
        NO_PROXY: '.corp,localhost',
        OUTBOUND_MAX_REDIRECTS: '3',
      }),
    ).toEqual({
      allowCidrs: ['10.20.0.0/16', 'fd12::/16'],
      proxy: { httpsProxy: 'http://proxy.corp:3128', noProxy: '.corp,localhost' },
      maxRedirects: 3,
    });
  });

  it.each([
    [{ OUTBOUND_ALLOW_CIDRS: '10.0.0.0/8,intranet' }, "OUTBOUND_ALLOW_CIDRS: 'intranet'"],
    [{ OUTBOUND_ALLOW_CIDRS: '169.254.0.0/16' }, 'always refused and cannot be allowed'],
    [{ HTTPS_PROXY: 'socks5://p:1080' }, 'HTTPS_PROXY must be an http:// proxy URL'],
    [{ HTTP_PROXY: 'not a url' }, 'HTTP_PROXY is not a URL'],
    [{ OUTBOUND_MAX_REDIRECTS: '50' }, 'OUTBOUND_MAX_REDIRECTS must be an integer from 0 to 20'],
  ])('fails fast on %j', (env, message) => {
    expect(() => loadOutboundConfig(env)).toThrow(ConfigError);
    expect(() => loadOutboundConfig(env)).toThrow(message);
  });
});
