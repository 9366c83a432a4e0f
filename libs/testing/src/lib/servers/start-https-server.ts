import { createServer } from 'node:https';
import { generate } from 'selfsigned';
import type { RecordedRequest, TestRequestHandler, TestServer } from './test-server';
import { listenOnLoopback, recordingListener } from './test-server';

export interface SelfSignedCertificate {
  /** PEM; hand it to a client as its trusted CA to make the server trusted. */
  readonly cert: string;
  readonly key: string;
}

export interface TestHttpsServer extends TestServer {
  /** The server's self-signed certificate (PEM). */
  readonly certificate: string;
}

let certificate: Promise<SelfSignedCertificate> | undefined;

/**
 * A certificate for `localhost` and `127.0.0.1`, signed by its own key, made at run time (never
 * committed) and shared by every server of the process. An EC key keeps generation fast.
 */
export function selfSignedCertificate(): Promise<SelfSignedCertificate> {
  certificate ??= createCertificate().catch((error: unknown) => {
    certificate = undefined;
    throw error;
  });
  return certificate;
}

async function createCertificate(): Promise<SelfSignedCertificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 7 * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/**
 * An HTTPS server on 127.0.0.1 with a self-signed certificate: a client that does not trust
 * `certificate` fails its TLS handshake, which is the TLS scenario of the conformance kit.
 */
export async function startHttpsServer(handler: TestRequestHandler): Promise<TestHttpsServer> {
  const { cert, key } = await selfSignedCertificate();
  const requests: RecordedRequest[] = [];
  const server = createServer({ cert, key }, recordingListener(handler, requests));
  // A client that refuses the certificate resets the handshake; that is expected, not an error.
  server.on('tlsClientError', () => undefined);
  const listener = await listenOnLoopback(server);
  return {
    url: `https://127.0.0.1:${listener.port}`,
    port: listener.port,
    requests,
    certificate: cert,
    close: listener.close,
  };
}
