import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DTO_VALIDATOR_OPTIONS } from './dto-validator-options';
import { toFieldErrors } from './to-field-errors';
import { UpdateIntegrationDto } from './update-integration.dto';

function check(body: Record<string, unknown>) {
  const dto = plainToInstance(UpdateIntegrationDto, body);
  const errors = toFieldErrors(validateSync(dto, DTO_VALIDATOR_OPTIONS));
  return { dto, paths: errors.map((error) => error.path) };
}

describe('UpdateIntegrationDto', () => {
  it('accepts an empty patch and sets no field by default', () => {
    const { dto, paths } = check({});
    expect(paths).toEqual([]);
    expect(Object.entries(dto).filter(([, value]) => value !== undefined)).toEqual([]);
  });

  it('accepts each field alone', () => {
    for (const body of [
      { name: ' renamed ' },
      { endpoint: 'https://gitlab.example' },
      { settings: { a: 1 } },
      { credentials: { token: 'authref://env/T' } },
      { status: 'disabled' },
      { status: 'active' },
      { healthCheckIntervalSeconds: 600 },
      { tags: ['a'] },
    ]) {
      expect(check(body).paths).toEqual([]);
    }
    expect(check({ name: ' renamed ' }).dto.name).toBe('renamed');
  });

  it('refuses type and provider, which are fixed at registration', () => {
    expect(check({ type: 'scm', provider: 'gitlab' }).paths).toEqual(['/type', '/provider']);
  });

  it('lets a caller set only active or disabled', () => {
    expect(check({ status: 'pending' }).paths).toEqual(['/status']);
    expect(check({ status: 'failed' }).paths).toEqual(['/status']);
  });

  it('applies the registration rules to the fields it has', () => {
    expect(check({ name: '' }).paths).toEqual(['/name']);
    expect(check({ endpoint: 'not a url' }).paths).toEqual(['/endpoint']);
    expect(check({ credentials: { token: 1 } }).paths).toEqual(['/credentials']);
    expect(check({ healthCheckIntervalSeconds: 1 }).paths).toEqual(['/healthCheckIntervalSeconds']);
  });

  it.each([
    'name',
    'endpoint',
    'settings',
    'credentials',
    'status',
    'healthCheckIntervalSeconds',
    'tags',
  ])('refuses %s: null, with a message saying what to send instead', (field) => {
    const errors = toFieldErrors(
      validateSync(plainToInstance(UpdateIntegrationDto, { [field]: null }), DTO_VALIDATOR_OPTIONS),
    );
    expect(errors).toEqual([
      { path: `/${field}`, message: expect.stringMatching(/^must not be null: /) },
    ]);
  });
});
