import { randomBytes } from 'node:crypto';
import type { JetStreamManager, StreamInfo } from '@nats-io/jetstream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';

export const TEST_NATS_URL_ENV = 'TEST_NATS_URL';
export const REQUIRE_NATS_ENV = 'REQUIRE_NATS';

/** TEST_NATS_URL, when set (CI sets it, and REQUIRE_NATS=1). */
export function testNatsUrl(): string | undefined {
  const url = process.env[TEST_NATS_URL_ENV]?.trim();
  return url === undefined || url === '' ? undefined : url;
}

/**
 * A `describe` for specs that need a NATS server with JetStream, at TEST_NATS_URL. Without it
 * the specs are skipped, saying so — unless REQUIRE_NATS=1, when one failing test says what is
 * missing, so that a run meant to use NATS cannot pass without it. A server that is configured
 * but down fails the specs (their `beforeAll` cannot connect).
 */
export function describeWithNats(name: string, body: (url: string) => void): void {
  const url = testNatsUrl();
  if (url !== undefined) {
    describe(name, () => body(url));
    return;
  }
  if (process.env[REQUIRE_NATS_ENV] === '1') {
    describe(name, () => {
      it('has a NATS server', () => {
        throw new Error(
          `${REQUIRE_NATS_ENV}=1 but ${TEST_NATS_URL_ENV} is not set: point it at a NATS server with JetStream, e.g. nats://127.0.0.1:4222`,
        );
      });
    });
    return;
  }
  process.stderr.write(
    `skipping "${name}": no NATS server (set ${TEST_NATS_URL_ENV}, e.g. nats://127.0.0.1:4222)\n`,
  );
  describe.skip(`${name} (skipped: ${TEST_NATS_URL_ENV} is not set)`, () => body(''));
}

/** A stream name and subject prefix of one test run's own (the server is shared). */
export interface TestEventStream {
  readonly name: string;
  readonly subjectPrefix: string;
  /** The service's variables for it. */
  readonly env: Readonly<Record<string, string>>;
}

export function uniqueEventStream(): TestEventStream {
  const suffix = randomBytes(6).toString('hex');
  const name = `TEST_INTEGRATIONS_${suffix}`;
  const subjectPrefix = `test.${suffix}.integrations`;
  return {
    name,
    subjectPrefix,
    env: { EVENTS_STREAM: name, EVENTS_SUBJECT_PREFIX: subjectPrefix },
  };
}

/** One message of the stream, as a consumer reads it. */
export interface StreamMessage {
  readonly seq: number;
  readonly subject: string;
  /** Its `Nats-Msg-Id`. */
  readonly msgId: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** A test's own connection to the NATS server, to look at and clean up streams. */
export class NatsProbe {
  private constructor(
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
  ) {}

  static async connect(url: string): Promise<NatsProbe> {
    const nc = await connect({ servers: url, timeout: 5_000, name: 'integrations-test-probe' });
    try {
      return new NatsProbe(nc, await jetstreamManager(nc));
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  /** The stream's info, or undefined when there is none by that name. */
  async info(name: string): Promise<StreamInfo | undefined> {
    try {
      return await this.jsm.streams.info(name);
    } catch (error) {
      if (error instanceof Error && /stream not found/i.test(error.message)) return undefined;
      throw error;
    }
  }

  /** Every message of the stream in stream order, read with an ordered consumer. */
  async read(name: string): Promise<StreamMessage[]> {
    const info = await this.jsm.streams.info(name);
    const total = info.state.messages;
    const messages: StreamMessage[] = [];
    if (total === 0) return messages;
    const consumer = await jetstream(this.nc).consumers.get(name);
    try {
      while (messages.length < total) {
        const batch = await consumer.fetch({
          max_messages: total - messages.length,
          expires: 2_000,
        });
        let received = 0;
        for await (const message of batch) {
          received++;
          const headers: Record<string, string> = {};
          for (const key of message.headers?.keys() ?? []) {
            headers[key] = message.headers?.get(key) ?? '';
          }
          messages.push({
            seq: message.seq,
            subject: message.subject,
            msgId: message.headers?.get('Nats-Msg-Id') || undefined,
            headers,
            body: message.json(),
          });
        }
        if (received === 0) {
          throw new Error(
            `the stream ${name} holds ${total} messages; read only ${messages.length}`,
          );
        }
      }
    } finally {
      await consumer.delete().catch(() => undefined);
    }
    return messages;
  }

  /** Waits until the stream holds at least `count` messages; returns how many it holds. */
  async waitForMessages(name: string, count: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let held = 0;
    while (Date.now() < deadline) {
      held = (await this.info(name))?.state.messages ?? 0;
      if (held >= count) return held;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the stream ${name} held ${held} of ${count} messages after ${timeoutMs} ms`);
  }

  async deleteStream(name: string): Promise<void> {
    await this.jsm.streams.delete(name).catch((error: unknown) => {
      if (!(error instanceof Error && /stream not found/i.test(error.message))) throw error;
    });
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
