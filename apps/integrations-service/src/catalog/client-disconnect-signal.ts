import { AbortedError } from '@stellaops/integrations-plugin-abstractions';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A signal that fires when the client goes away before its answer is sent. It listens on the
 * response: since Node 16 the request's own 'close' fires as soon as its body has been read, so it
 * says nothing about the client.
 */
export function clientDisconnectSignal(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const response = reply.raw;
  const onClose = (): void => {
    if (!response.writableEnded) {
      controller.abort(new AbortedError('the client closed the connection'));
    }
  };
  if (response.destroyed || request.raw.socket?.destroyed === true) onClose();
  else response.once('close', onClose);
  return controller.signal;
}
