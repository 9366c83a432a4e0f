import { toLifecycleEventDto } from '@stellaops/integrations-contracts';
import type { LifecycleEvent } from '@stellaops/integrations-core';

/** What the relay publishes for one event; `msgId` becomes `Nats-Msg-Id`. */
export interface BrokerMessage {
  readonly subject: string;
  readonly msgId: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

export const EventHeaders = {
  /** The event's type, e.g. `integration.registered`. */
  Type: 'StellaOps-Event-Type',
  /** The tenant, percent-encoded (RFC 3986; ordinary ids read as they are). */
  Tenant: 'StellaOps-Tenant',
  IntegrationId: 'StellaOps-Integration-Id',
} as const;

const TYPE_PREFIX = 'integration.';
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+$/;

/** `<prefix>.<event>`, the event being the type without its `integration.` prefix. */
export function eventSubject(subjectPrefix: string, type: string): string {
  const event = type.startsWith(TYPE_PREFIX) ? type.slice(TYPE_PREFIX.length) : type;
  if (!SUBJECT_TOKEN.test(event)) {
    throw new Error(`the event type '${type}' does not make a NATS subject token`);
  }
  return `${subjectPrefix}.${event}`;
}

/** The subjects of the stream: every event under the prefix. */
export function streamSubjects(subjectPrefix: string): string {
  return `${subjectPrefix}.>`;
}

const encoder = new TextEncoder();

/** The event as the feed shows it (JSON), on its subject, with its id as the message id. */
export function toBrokerMessage(event: LifecycleEvent, subjectPrefix: string): BrokerMessage {
  return {
    subject: eventSubject(subjectPrefix, event.type),
    msgId: event.id,
    data: encoder.encode(JSON.stringify(toLifecycleEventDto(event))),
    headers: {
      'Content-Type': 'application/json',
      [EventHeaders.Type]: event.type,
      [EventHeaders.Tenant]: encodeURIComponent(event.tenantId),
      [EventHeaders.IntegrationId]: event.integrationId,
    },
  };
}
