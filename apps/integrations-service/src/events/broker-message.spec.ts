import { LifecycleEventTypes } from '@stellaops/integrations-core';
import { storedEvent } from '../testing/outbox-fakes';
import { EventHeaders, eventSubject, streamSubjects, toBrokerMessage } from './broker-message';

describe('broker messages', () => {
  it.each([
    [LifecycleEventTypes.Registered, 'stellaops.integrations.registered'],
    [LifecycleEventTypes.Updated, 'stellaops.integrations.updated'],
    [LifecycleEventTypes.Deleted, 'stellaops.integrations.deleted'],
    [LifecycleEventTypes.HealthChanged, 'stellaops.integrations.health-changed'],
    [LifecycleEventTypes.ConnectionTested, 'stellaops.integrations.connection-tested'],
  ])('publishes %s on %s', (type, subject) => {
    expect(eventSubject('stellaops.integrations', type)).toBe(subject);
  });

  it('covers every event with the stream subjects', () => {
    expect(streamSubjects('stellaops.integrations')).toBe('stellaops.integrations.>');
  });

  it('refuses a type that would not make one subject token', () => {
    expect(() => eventSubject('p', 'integration.a.b')).toThrow(/subject token/);
    expect(() => eventSubject('p', 'integration.*')).toThrow(/subject token/);
  });

  it('carries the event as the feed shows it, its id as the message id, and the tenant and type as headers', () => {
    const event = {
      ...storedEvent('5b0a4c1e-2f8d-4c83-9a50-6f0b7d1e2a34', 7),
      tenantId: 'acme corp/eu',
    };
    const message = toBrokerMessage(event, 'stellaops.integrations');
    expect(message.subject).toBe('stellaops.integrations.updated');
    expect(message.msgId).toBe(event.id);
    const { position: _position, ...feedShape } = event;
    expect(JSON.parse(new TextDecoder().decode(message.data))).toEqual(feedShape);
    expect(message.headers).toEqual({
      'Content-Type': 'application/json',
      [EventHeaders.Type]: 'integration.updated',
      [EventHeaders.Tenant]: 'acme%20corp%2Feu',
      [EventHeaders.IntegrationId]: event.integrationId,
    });
  });
});
