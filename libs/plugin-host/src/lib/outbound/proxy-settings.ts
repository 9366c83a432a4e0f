/** The proxies of the `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` convention. */
export interface ProxySettings {
  /** `http://[user:password@]host:port` for https targets. */
  readonly httpsProxy?: string;
  /** The same for plain http targets. */
  readonly httpProxy?: string;
  /** Comma-separated hosts (`example.com` also covers its subdomains, `.example.com` too), `*`. */
  readonly noProxy?: string;
}

export interface ProxyRoute {
  readonly origin: string;
  readonly hostname: string;
  readonly port: string;
  /** The `Proxy-Authorization` header value, from the proxy URL's user and password. */
  readonly authorization?: string;
}

/** Parses a proxy URL; only `http://` proxies (a tunnel to any target goes through CONNECT). */
export function parseProxyUrl(text: string, variable: string): ProxyRoute {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${variable} is not a URL`);
  }
  if (url.protocol !== 'http:') {
    throw new Error(`${variable} must be an http:// proxy URL (got ${url.protocol})`);
  }
  const user = decodeURIComponent(url.username);
  return {
    origin: url.origin,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port,
    ...(user === ''
      ? {}
      : {
          authorization: `Basic ${Buffer.from(`${user}:${decodeURIComponent(url.password)}`).toString('base64')}`,
        }),
  };
}

function bypasses(noProxy: string | undefined, host: string, port: number): boolean {
  if (noProxy === undefined) return false;
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '')
    .some((entry) => {
      if (entry === '*') return true;
      const [pattern = '', entryPort] = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(entry)?.slice(1) ?? [];
      if (entryPort !== undefined && Number(entryPort) !== port) return false;
      const suffix = pattern.replace(/^\*?\./, '');
      return name === suffix || name.endsWith(`.${suffix}`);
    });
}

/** The proxy a target goes through, or `undefined` for a direct connection. */
export function proxyFor(
  settings: ProxySettings,
  target: { readonly host: string; readonly port: number; readonly secure: boolean },
): ProxyRoute | undefined {
  const url = target.secure ? settings.httpsProxy : settings.httpProxy;
  if (url === undefined || url === '' || bypasses(settings.noProxy, target.host, target.port)) {
    return undefined;
  }
  return parseProxyUrl(url, target.secure ? 'HTTPS_PROXY' : 'HTTP_PROXY');
}
