import { createServer } from 'node:http';
import type { RecordedRequest, TestRequestHandler, TestServer } from './test-server';
import { listenOnLoopback, recordingListener } from './test-server';

/** A plain HTTP server on a real socket of 127.0.0.1, on an ephemeral port. */
export async function startHttpServer(handler: TestRequestHandler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(recordingListener(handler, requests));
  const listener = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${listener.port}`,
    port: listener.port,
    requests,
    close: listener.close,
  };
}
