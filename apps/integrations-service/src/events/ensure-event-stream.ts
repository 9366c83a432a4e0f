import type { Logger } from '@nestjs/common';
import type { JetStreamManager, StreamConfig, StreamInfo } from '@nats-io/jetstream';
import { JetStreamApiError, StorageType } from '@nats-io/jetstream';
import { millis, nanos } from '@nats-io/transport-node';
import { streamSubjects } from './broker-message';
import type { EventStreamConfig } from './events.config';

/** What `ensureEventStream` did. */
export type EnsuredStream =
  | { readonly outcome: 'created'; readonly info: StreamInfo }
  | { readonly outcome: 'updated'; readonly info: StreamInfo; readonly changes: readonly string[] }
  | { readonly outcome: 'unchanged'; readonly info: StreamInfo };

/** JetStream's code for a stream name already taken (by a different configuration). */
const STREAM_NAME_IN_USE = 10058;

function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === 10059;
}

/**
 * Creates the events' stream when it is missing (file storage, the subjects `<prefix>.>`, the
 * configured duplicate window). An existing one is kept as its operator configured it, except
 * that a duplicate window shorter than ours is lengthened and our subjects are added when it
 * lacks them (both logged): a shorter window would let a retried event be stored twice. Two
 * replicas creating it at once is harmless: the loser finds it made.
 */
export async function ensureEventStream(
  jsm: JetStreamManager,
  config: EventStreamConfig,
  logger: Pick<Logger, 'log' | 'warn'>,
): Promise<EnsuredStream> {
  const subjects = streamSubjects(config.subjectPrefix);
  const wanted = nanos(config.duplicateWindowMs);
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(config.name);
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
    const created: Partial<StreamConfig> & { name: string } = {
      name: config.name,
      subjects: [subjects],
      storage: StorageType.File,
      duplicate_window: wanted,
      num_replicas: config.replicas,
    };
    try {
      info = await jsm.streams.add(created);
      logger.log(
        `created the JetStream stream ${config.name} (subjects ${subjects}, duplicate window ${config.duplicateWindowMs / 1_000} s, ${config.replicas} replica(s))`,
      );
      return { outcome: 'created', info };
    } catch (addError) {
      if (!(addError instanceof JetStreamApiError) || addError.code !== STREAM_NAME_IN_USE) {
        throw addError;
      }
      info = await jsm.streams.info(config.name);
    }
  }
  const changes: string[] = [];
  const update: { duplicate_window?: number; subjects?: string[] } = {};
  const current = info.config.duplicate_window ?? 0;
  if (current < wanted) {
    update.duplicate_window = wanted;
    changes.push(
      `duplicate window ${millis(current) / 1_000} s -> ${config.duplicateWindowMs / 1_000} s`,
    );
  }
  const existing = info.config.subjects ?? [];
  if (!existing.includes(subjects)) {
    update.subjects = [...existing, subjects];
    changes.push(`subjects + ${subjects}`);
  }
  if (changes.length === 0) return { outcome: 'unchanged', info };
  const updated = await jsm.streams.update(config.name, update);
  logger.warn(`updated the JetStream stream ${config.name}: ${changes.join(', ')}`);
  return { outcome: 'updated', info: updated, changes };
}
