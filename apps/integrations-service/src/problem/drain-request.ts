import type { IncomingMessage } from 'node:http';

export interface DrainLimits {
  readonly maxBytes: number;
  readonly maxMs: number;
}

/**
 * Reads and drops the rest of a request's body, up to `maxBytes` or `maxMs`, whichever comes
 * first; resolves when the body has ended, the limit is reached or the request is gone. Answering
 * before the body is read and then closing would make the kernel reset the connection while the
 * client is still sending, and the client would see EPIPE or ECONNRESET instead of the answer.
 */
export function drainRequest(request: IncomingMessage, limits: DrainLimits): Promise<void> {
  if (request.complete || request.readableEnded || request.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let received = 0;
    const finish = (): void => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', finish);
      request.off('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer | string): void => {
      received += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (received > limits.maxBytes) finish();
    };
    const timer = setTimeout(finish, limits.maxMs);
    request.on('data', onData);
    request.on('end', finish);
    request.on('close', finish);
    // Left attached: an 'error' without a listener would bring the process down.
    request.on('error', finish);
    request.resume();
  });
}
