import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Body, Controller, Get, Logger, Post, Query } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { currentLogContext } from './log-context';
import { loadLoggingConfig } from './logging.config';
import { REQUEST_ID_HEADER, registerRequestLogContext, requestIdOf } from './request-log-context';
import { ServiceLogger } from './service-logger';
import type { CapturedOutput } from './testing/capture-output';
import { captureOutput } from './testing/capture-output';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function withHeader(value: string | string[] | undefined): IncomingMessage {
  return { headers: value === undefined ? {} : { [REQUEST_ID_HEADER]: value } } as IncomingMessage;
}

describe('requestIdOf', () => {
  it.each([
    'abc-123',
    'a',
    '0af7651916cd43dd8448eb211c80319c',
    'x'.repeat(128),
    "t.o_k~e|n!#$%&'*+^`",
  ])('takes %s as it came', (id) => {
    expect(requestIdOf(withHeader(id))).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(129)],
    ['with a space', 'abc 123'],
    ['with a quote', 'abc"123'],
    ['with a line break', 'abc\n{"level":"error"}'],
    ['with a control character', 'abc\u0000'],
    ['non-ASCII', 'abcé'],
    ['sent twice (joined by Node)', 'abc, def'],
  ])('makes a uuid instead of one %s', (_, id) => {
    expect(requestIdOf(withHeader(id))).toMatch(UUID);
  });

  it('makes a fresh uuid for each request without one', () => {
    const first = requestIdOf(withHeader(undefined));
    expect(first).toMatch(UUID);
    expect(requestIdOf(withHeader(undefined))).not.toBe(first);
    expect(requestIdOf(withHeader(['a', 'b']))).toMatch(UUID);
  });
});

@Controller('probe')
class ProbeController {
  private readonly logger = new Logger('Probe');

  @Get()
  async get(@Query('delayMs') delayMs?: string): Promise<Record<string, unknown>> {
    await sleep(Number(delayMs ?? 5));
    this.logger.log('handled get');
    return { ...currentLogContext() };
  }

  @Post()
  async post(@Body() body: { items: unknown[] }): Promise<Record<string, unknown>> {
    await sleep(5);
    this.logger.log({ message: 'handled post', items: body.items.length });
    return { ...currentLogContext() };
  }
}

describe('registerRequestLogContext (Nest on Fastify)', () => {
  let app: NestFastifyApplication;
  let url: string;
  let output: CapturedOutput;

  beforeAll(async () => {
    output = captureOutput();
    const logger = ServiceLogger.install(
      loadLoggingConfig({ LOG_FORMAT: 'json', LOG_LEVEL: 'debug' }),
      output,
    );
    const moduleRef = await Test.createTestingModule({ controllers: [ProbeController] }).compile();
    const adapter = new FastifyAdapter({ requestIdHeader: false, genReqId: requestIdOf });
    registerRequestLogContext(adapter.getInstance());
    app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { logger });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(() => {
    output.chunks.length = 0;
  });

  function linesOf(requestId: string): Record<string, unknown>[] {
    return output.lines().filter((line) => line['requestId'] === requestId);
  }

  it("echoes a safe x-request-id and carries it into the handler's context and lines", async () => {
    const response = await fetch(`${url}/probe`, { headers: { [REQUEST_ID_HEADER]: 'abc-123' } });
    expect(response.headers.get(REQUEST_ID_HEADER)).toBe('abc-123');
    expect(await response.json()).toEqual({ requestId: 'abc-123' });
    expect(linesOf('abc-123')).toEqual([
      expect.objectContaining({ context: 'Probe', msg: 'handled get' }),
      expect.objectContaining({
        context: 'Http',
        level: 'debug',
        msg: 'answered',
        method: 'GET',
        path: '/probe',
        statusCode: 200,
        durationMs: expect.any(Number),
      }),
    ]);
  });

  it('keeps the context through the reading of a body that arrives in many chunks', async () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({ i, text: 'some padding text' }));
    const response = await fetch(`${url}/probe`, {
      method: 'POST',
      headers: { [REQUEST_ID_HEADER]: 'with-body', 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ requestId: 'with-body' });
    expect(linesOf('with-body')).toEqual([
      expect.objectContaining({ context: 'Probe', msg: 'handled post', items: 20_000 }),
      expect.objectContaining({ msg: 'answered', method: 'POST', statusCode: 201 }),
    ]);
  });

  it('gives a request with an unsafe id a new one, in the header and in its lines', async () => {
    const response = await fetch(`${url}/probe`, {
      headers: { [REQUEST_ID_HEADER]: 'not safe"id' },
    });
    const id = response.headers.get(REQUEST_ID_HEADER) ?? '';
    expect(id).toMatch(UUID);
    expect(await response.json()).toEqual({ requestId: id });
    expect(linesOf(id).map((line) => line['msg'])).toEqual(['handled get', 'answered']);
    expect(output.chunks.join('')).not.toContain('not safe');
  });

  it('keeps the contexts of concurrent requests apart', async () => {
    const ids = ['slow', 'fast', 'middle'];
    const delays = [60, 0, 30];
    const bodies = await Promise.all(
      ids.map(async (id, i) => {
        const response = await fetch(`${url}/probe?delayMs=${delays[i]}&cursor=secret-cursor`, {
          headers: { [REQUEST_ID_HEADER]: id },
        });
        return response.json();
      }),
    );
    expect(bodies).toEqual(ids.map((requestId) => ({ requestId })));
    for (const id of ids) {
      expect(linesOf(id).map((line) => [line['msg'], line['path'] ?? null])).toEqual([
        ['handled get', null],
        ['answered', '/probe'],
      ]);
    }
    // The query is left out of the request's line.
    expect(output.chunks.join('')).not.toContain('secret-cursor');
  });

  it('gives a request for no route its id too', async () => {
    const response = await fetch(`${url}/nowhere`, { headers: { [REQUEST_ID_HEADER]: 'lost' } });
    expect(response.status).toBe(404);
    expect(response.headers.get(REQUEST_ID_HEADER)).toBe('lost');
    expect(linesOf('lost')).toEqual([
      expect.objectContaining({ msg: 'answered', statusCode: 404 }),
    ]);
  });
});
