import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { runInNewContext } from 'node:vm';
import { generate } from 'selfsigned';
import { classifyError } from './classify-error';
import { ProviderError } from './provider-error';
import { SecretUnavailableError } from './secret-unavailable.error';
import { AbortedError, TimeoutError } from './timeout.error';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
}

/** A port that was just free: nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('classifyError over real failures', () => {
  it('a refused connection is a transient connect failure', async () => {
    const error = await rejectionOf(fetch(`http://127.0.0.1:${await closedPort()}/`));
    expect(classifyError(error)).toEqual({
      phase: 'connect',
      isTransient: true,
      code: 'ECONNREFUSED',
      message: 'could not connect to the endpoint (ECONNREFUSED)',
    });
  });

  // What Node's fetch rejects with when getaddrinfo fails, built here rather than asked of the
  // system resolver: a test must not send a query off the machine.
  function failedLookup(code: 'ENOTFOUND' | 'EAI_AGAIN'): TypeError {
    const cause = Object.assign(new Error(`getaddrinfo ${code} x.invalid`), {
      code,
      errno: code === 'ENOTFOUND' ? -3008 : -3001,
      syscall: 'getaddrinfo',
      hostname: 'x.invalid',
    });
    return new TypeError('fetch failed', { cause });
  }

  it.each(['ENOTFOUND', 'EAI_AGAIN'] as const)(
    'an unresolvable host name (%s) is a dns failure',
    (code) => {
      const classified = classifyError(failedLookup(code));
      expect(classified.phase).toBe('dns');
      expect(classified.code).toBe(code);
      // NXDOMAIN will not pass; a resolver that could not be reached may answer later.
      expect(classified.isTransient).toBe(code === 'EAI_AGAIN');
      expect(classified.message).not.toContain('x.invalid');
    },
  );

  describe('TLS', () => {
    let server: Server;
    let address: string;

    beforeAll(async () => {
      const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
        keyType: 'ec',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
      });
      server = createHttpsServer({ key: pems.private, cert: pems.cert }, (_req, res) => {
        res.end('{}');
      });
      address = await listen(server);
    });

    afterAll(() => close(server));

    it('a self-signed certificate is a permanent tls failure', async () => {
      const classified = classifyError(await rejectionOf(fetch(`https://${address}/`)));
      expect(classified).toMatchObject({ phase: 'tls', isTransient: false });
      expect(classified.code).toMatch(/SELF_SIGNED/);
      expect(classified.message).toContain('CA certificate');
    });
  });

  it('speaking TLS to a plain HTTP port is a tls failure', async () => {
    const server = createHttpServer((_req, res) => res.end('plain'));
    const address = await listen(server);
    try {
      const classified = classifyError(await rejectionOf(fetch(`https://${address}/`)));
      expect(classified.phase).toBe('tls');
      expect(classified.isTransient).toBe(false);
    } finally {
      await close(server);
    }
  });

  it('a connection cut in the middle of the body is a transient api failure', async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const address = await listen(server);
    try {
      const response = await fetch(`http://${address}/`);
      const classified = classifyError(await rejectionOf(response.text()));
      expect(classified).toMatchObject({ phase: 'api', isTransient: true });
      expect(classified.code).toBe('UND_ERR_SOCKET');
    } finally {
      await close(server);
    }
  });

  it('the timeout of AbortSignal.timeout is a transient timeout', async () => {
    const server = createHttpServer(() => undefined);
    const address = await listen(server);
    try {
      const error = await rejectionOf(
        fetch(`http://${address}/`, { signal: AbortSignal.timeout(30) }),
      );
      expect(classifyError(error)).toEqual({
        phase: 'connect',
        isTransient: true,
        message: 'no answer within the time limit',
      });
    } finally {
      await close(server);
    }
  });

  it("the caller's abort of a fetch has no phase", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejectionOf(
      fetch(`http://127.0.0.1:${await closedPort()}/`, { signal: controller.signal }),
    );
    expect(classifyError(error)).toMatchObject({ phase: null, isTransient: true });
  });

  it('an invalid endpoint URL is a config failure', async () => {
    const classified = classifyError(await rejectionOf(fetch('not a url')));
    expect(classified).toEqual({
      phase: 'config',
      isTransient: false,
      message: 'the endpoint is not a valid URL',
    });
    expect(classifyError(rejectionSync(() => new URL('::')))).toMatchObject({ phase: 'config' });
  });

  it('a body that is not JSON is a permanent api failure', async () => {
    expect(classifyError(rejectionSync(() => JSON.parse('<html>')))).toEqual({
      phase: 'api',
      isTransient: false,
      message: 'the provider answered with a body that is not valid JSON',
    });
    const fromBody = await rejectionOf(new Response('<html>').json());
    expect(classifyError(fromBody).phase).toBe('api');
  });
});

function rejectionSync(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}

describe('classifyError over our own errors', () => {
  it("reports the host's outbound refusal as a config failure with its message, also when wrapped", () => {
    const message =
      'the outbound policy refused a connection to 10.0.0.5: a private (RFC 1918) address; set OUTBOUND_ALLOW_CIDRS (comma-separated CIDRs, e.g. 10.0.0.5/32) to allow it';
    const refusal = Object.assign(new Error(message), { code: 'ERR_OUTBOUND_REFUSED' });
    const expected = { phase: 'config', isTransient: false, message, code: 'ERR_OUTBOUND_REFUSED' };
    expect(classifyError(refusal)).toEqual(expected);
    const wrapped = Object.assign(new Error('sdk request failed', { cause: refusal }), {
      code: 'SDK_ERROR',
    });
    expect(classifyError(new TypeError('fetch failed', { cause: wrapped }))).toEqual(expected);
  });

  it('takes phase, transience and wait from a ProviderError', () => {
    const error = new ProviderError('rate limited', {
      phase: 'api',
      isTransient: true,
      retryAfterMs: 1_500,
    });
    expect(classifyError(error)).toEqual({
      phase: 'api',
      isTransient: true,
      message: 'rate limited',
      retryAfterMs: 1_500,
    });
  });

  it('reports a store that could not answer as a transient auth failure, a bad reference as config', () => {
    expect(
      classifyError(
        new SecretUnavailableError('token', 'vault is unreachable', { isTransient: true }),
      ),
    ).toEqual({
      phase: 'auth',
      isTransient: true,
      message: "credential 'token' is unavailable: vault is unreachable",
    });
    expect(classifyError(new SecretUnavailableError('token', 'no reference'))).toMatchObject({
      phase: 'config',
      isTransient: false,
    });
  });

  it('reports a TimeoutError in its own phase, as transient', () => {
    expect(classifyError(new TimeoutError(250, 'api'))).toEqual({
      phase: 'api',
      isTransient: true,
      message: 'no answer within 250 ms',
    });
  });

  it('reports an AbortedError without a phase', () => {
    expect(classifyError(new AbortedError()).phase).toBeNull();
  });
});

describe('classifyError over anything else', () => {
  it('never repeats a raw message, which may hold a secret', () => {
    const classified = classifyError(new Error('GET https://user:hunter2@example.test failed'));
    expect(classified).toEqual({
      phase: 'api',
      isTransient: false,
      message: 'unexpected failure (Error)',
    });
  });

  it('names an unknown code', () => {
    const error = Object.assign(new Error('weird'), { code: 'E_WEIRD' });
    expect(classifyError(error)).toEqual({
      phase: 'api',
      isTransient: false,
      message: 'unexpected failure (Error E_WEIRD)',
      code: 'E_WEIRD',
    });
  });

  it('finds a code deep in the cause chain', () => {
    const socket = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    const error = new TypeError('fetch failed', { cause: new Error('wrapped', { cause: socket }) });
    expect(classifyError(error)).toMatchObject({
      phase: 'api',
      isTransient: true,
      code: 'ECONNRESET',
    });
  });

  it('accepts thrown values that are not errors', () => {
    expect(classifyError('boom').message).toBe('unexpected failure (string)');
    expect(classifyError(undefined).message).toBe('unexpected failure (undefined)');
    expect(classifyError(null).phase).toBe('api');
  });
});

describe('classifyError across copies and realms', () => {
  // What a plugin that bundles its own copy of this package throws: same names and shapes,
  // different classes.
  class OtherCopyProviderError extends Error {
    override readonly name = 'ProviderError';
    readonly phase = 'auth';
    readonly isTransient = false;
    readonly retryAfterMs = undefined;
  }

  it("recognises another copy's ProviderError by name and shape", () => {
    expect(classifyError(new OtherCopyProviderError('refused'))).toEqual({
      phase: 'auth',
      isTransient: false,
      message: 'refused',
    });
  });

  it("recognises another copy's AbortedError and TimeoutError", () => {
    const aborted = Object.assign(new Error('aborted'), { name: 'AbortedError' });
    expect(classifyError(aborted).phase).toBeNull();
    const timedOut = Object.assign(new Error('no answer within 5 ms'), {
      name: 'TimeoutError',
      phase: 'api',
    });
    expect(classifyError(timedOut)).toMatchObject({ phase: 'api', isTransient: true });
  });

  it('does not take a look-alike without a valid phase for a ProviderError', () => {
    const error = Object.assign(new Error('x'), { name: 'ProviderError', phase: 'network' });
    expect(classifyError(error).message).toBe('unexpected failure (ProviderError)');
  });

  it('classifies built-in errors from another realm by name', () => {
    const syntax = rejectionSync(() => runInNewContext('JSON.parse("<")'));
    expect(syntax).not.toBeInstanceOf(SyntaxError);
    expect(classifyError(syntax).message).toBe(
      'the provider answered with a body that is not valid JSON',
    );
    const url = rejectionSync(() => runInNewContext('new URL("::")', { URL }));
    expect(classifyError(url).phase).toBe('config');
  });
});
