import 'reflect-metadata';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import type { PipeTransform } from '@nestjs/common';
import { ContractLimits, ListEventsQueryDto } from '@stellaops/integrations-contracts';
import { InputError, LifecycleEventTypes } from '@stellaops/integrations-core';
import type { Database, StoredEvent } from '@stellaops/integrations-persistence';
import type { Principal } from '../auth/principal';
import { EventsController } from './events.controller';

const principal: Principal = { tenantId: 'acme', subject: 'reader', scopes: new Set() };

function storedEvent(id: string, position: string): StoredEvent {
  return {
    position,
    id,
    type: LifecycleEventTypes.Registered,
    tenantId: 'acme',
    integrationId: '5b0a4c1e-2f8d-4c83-9a50-6f0b7d1e2a34',
    occurredAt: '2026-01-02T03:04:05.000Z',
    payload: {
      integration: { id: 'i', name: 'github', type: 'scm', provider: 'github-app', version: 1 },
    },
  };
}

function controllerOver(events: StoredEvent[]) {
  const listAfter = jest.fn(async () => events);
  const database = { events: { listAfter } } as unknown as Database;
  return { controller: new EventsController(database), listAfter };
}

/** The pipe Nest runs on the route's query, as the route declares it. */
function queryPipe(): PipeTransform {
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, EventsController, 'list') as Record<
    string,
    { pipes: PipeTransform[] }
  >;
  const pipes = Object.values(args).flatMap((arg) => arg.pipes);
  expect(pipes).toHaveLength(1);
  return pipes[0]!;
}

async function validate(query: Record<string, unknown>): Promise<unknown> {
  return queryPipe().transform(query, { type: 'query', metatype: Object });
}

describe('EventsController', () => {
  const first = '11111111-1111-4111-8111-111111111111';
  const second = '22222222-2222-4222-8222-222222222222';

  it("reads the caller's tenant after the given event and maps events to the contract's DTO", async () => {
    const { controller, listAfter } = controllerOver([
      storedEvent(first, '7'),
      storedEvent(second, '8'),
    ]);
    const query = Object.assign(new ListEventsQueryDto(), { after: first, limit: 2 });
    const page = await controller.list(principal, query);
    expect(listAfter).toHaveBeenCalledWith('acme', first, 2);
    expect(page.nextAfter).toBe(second);
    expect(page.items.map((event) => event.id)).toEqual([first, second]);
    expect(page.items[0]).not.toHaveProperty('position');
  });

  it("answers an empty page with the request's own `after`, or null from the start", async () => {
    const { controller } = controllerOver([]);
    const after = Object.assign(new ListEventsQueryDto(), { after: first });
    expect(await controller.list(principal, after)).toEqual({ items: [], nextAfter: first });
    expect(await controller.list(principal, new ListEventsQueryDto())).toEqual({
      items: [],
      nextAfter: null,
    });
  });

  it("validates the query with the contract's DTO and limits", async () => {
    await expect(validate({})).resolves.toEqual(
      Object.assign(new ListEventsQueryDto(), { limit: ContractLimits.defaultEventLimit }),
    );
    await expect(
      validate({ after: first, limit: String(ContractLimits.maxEventLimit) }),
    ).resolves.toMatchObject({ after: first, limit: ContractLimits.maxEventLimit });
    const refused = validate({
      after: 'nope',
      limit: String(ContractLimits.maxEventLimit + 1),
      cursor: 'x',
    });
    await expect(refused).rejects.toBeInstanceOf(InputError);
    const error = (await refused.catch((caught: unknown) => caught)) as InputError;
    expect(error.errors.map((field) => field.path).sort()).toEqual(['/after', '/cursor', '/limit']);
  });
});
