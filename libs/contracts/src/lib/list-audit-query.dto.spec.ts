import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DTO_VALIDATOR_OPTIONS } from './dto-validator-options';
import { ListAuditQueryDto, ListTenantAuditQueryDto } from './list-audit-query.dto';
import { toFieldErrors } from './to-field-errors';

function check(type: typeof ListAuditQueryDto, query: Record<string, unknown>) {
  const dto = plainToInstance(type, query);
  const errors = toFieldErrors(validateSync(dto, DTO_VALIDATOR_OPTIONS));
  return { dto, errors };
}

const paths = (type: typeof ListAuditQueryDto, query: Record<string, unknown>) =>
  check(type, query).errors.map((error) => error.path);

describe('ListAuditQueryDto and ListTenantAuditQueryDto', () => {
  it('read the newest 100 entries of every action without a query', () => {
    for (const type of [ListAuditQueryDto, ListTenantAuditQueryDto]) {
      const { dto, errors } = check(type, {});
      expect(errors).toEqual([]);
      expect(dto).toEqual(Object.assign(new type(), { limit: 100 }));
    }
  });

  it('take a cursor, an action prefix and a limit from the query string', () => {
    const { dto, errors } = check(ListAuditQueryDto, {
      after: '9223372036854775807',
      action: 'secret.',
      limit: '500',
    });
    expect(errors).toEqual([]);
    expect(dto).toEqual(
      Object.assign(new ListAuditQueryDto(), {
        after: '9223372036854775807',
        action: 'secret.',
        limit: 500,
      }),
    );
    expect(check(ListAuditQueryDto, { action: 'integration.health-check' }).errors).toEqual([]);
    expect(check(ListAuditQueryDto, { action: 'secret_x' }).errors).toEqual([]);
  });

  it.each(['0', '501', '-1', 'abc', '1.5', ''])('refuse limit=%j', (limit) => {
    expect(paths(ListAuditQueryDto, { limit })).toEqual(['/limit']);
  });

  it.each(['', 'abc', '-1', '1.5', '1e3', '12345678901234567890', ' 1'])(
    'refuse after=%j, saying what it must be',
    (after) => {
      expect(check(ListAuditQueryDto, { after }).errors).toEqual([
        { path: '/after', message: "must be the id of an audit entry (a page's nextAfter)" },
      ]);
    },
  );

  it.each(['', 'secret.*', 'secret%', 'a b', 'x'.repeat(65), 'säkret'])(
    'refuse action=%j',
    (action) => {
      expect(paths(ListAuditQueryDto, { action })).toEqual(['/action']);
    },
  );

  it('take integrationId on the tenant listing only, as a uuid', () => {
    const id = randomUUID();
    expect(check(ListTenantAuditQueryDto, { integrationId: id.toUpperCase() }).errors).toEqual([]);
    expect(check(ListTenantAuditQueryDto, { integrationId: 'nope' }).errors).toEqual([
      { path: '/integrationId', message: 'must be the id (a uuid) of an integration' },
    ]);
    expect(paths(ListAuditQueryDto, { integrationId: id })).toEqual(['/integrationId']);
  });

  it('refuse repeated parameters and parameters they do not know', () => {
    expect(paths(ListTenantAuditQueryDto, { after: ['1', '2'] })).toEqual(['/after']);
    expect(paths(ListTenantAuditQueryDto, { action: ['secret.', 'x'] })).toEqual(['/action']);
    expect(paths(ListTenantAuditQueryDto, { cursor: '1' })).toEqual(['/cursor']);
  });
});
