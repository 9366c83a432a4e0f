import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { RegisterIntegrationDto } from './register-integration.dto';
import { DTO_VALIDATOR_OPTIONS } from './dto-validator-options';
import { toFieldErrors } from './to-field-errors';

function check(body: Record<string, unknown>) {
  const dto = plainToInstance(RegisterIntegrationDto, body);
  const errors = toFieldErrors(validateSync(dto, DTO_VALIDATOR_OPTIONS));
  return { dto, errors, paths: errors.map((error) => error.path) };
}

const valid = {
  name: 'github-main',
  type: 'scm',
  provider: 'github-app',
  endpoint: 'https://api.github.com',
  settings: { appId: 42 },
  credentials: { privateKey: 'authref://env/GITHUB_APP_KEY' },
};

describe('RegisterIntegrationDto', () => {
  it('accepts a complete registration', () => {
    const { dto, errors } = check({ ...valid, healthCheckIntervalSeconds: 60, tags: ['prod'] });
    expect(errors).toEqual([]);
    expect(dto).toMatchObject({ ...valid, healthCheckIntervalSeconds: 60, tags: ['prod'] });
  });

  it('defaults settings and credentials to empty objects', () => {
    const { dto, errors } = check({ name: 'a', type: 'scm', provider: 'x', endpoint: 'http://h' });
    expect(errors).toEqual([]);
    expect(dto.settings).toEqual({});
    expect(dto.credentials).toEqual({});
  });

  it('trims the name and the tags before checking them', () => {
    const { dto, errors } = check({ ...valid, name: '  main  ', tags: [' a ', 'b'] });
    expect(errors).toEqual([]);
    expect(dto.name).toBe('main');
    expect(dto.tags).toEqual(['a', 'b']);
    expect(check({ ...valid, name: '   ' }).paths).toEqual(['/name']);
    expect(check({ ...valid, tags: ['  '] }).paths).toEqual(['/tags']);
  });

  it('refuses names that are too long or hold control characters', () => {
    expect(check({ ...valid, name: 'x'.repeat(201) }).paths).toEqual(['/name']);
    expect(check({ ...valid, name: 'x'.repeat(200) }).errors).toEqual([]);
    const control = check({ ...valid, name: 'a\u0007b' });
    expect(control.errors).toEqual([
      {
        path: '/name',
        message: 'must not contain control, format (bidi, zero-width) or separator characters',
      },
    ]);
    expect(check({ ...valid, name: 'a\nb' }).paths).toEqual(['/name']);
  });

  it('requires name, type, provider and endpoint', () => {
    const { paths } = check({});
    expect(new Set(paths)).toEqual(new Set(['/name', '/type', '/provider', '/endpoint']));
  });

  it('requires an absolute http(s) endpoint URL', () => {
    expect(check({ ...valid, endpoint: 'api.github.com' }).errors).toEqual([
      { path: '/endpoint', message: 'must be an absolute http:// or https:// URL' },
    ]);
    expect(check({ ...valid, endpoint: 'ftp://files.example' }).paths).toEqual(['/endpoint']);
    expect(check({ ...valid, endpoint: `https://h/${'p'.repeat(2048)}` }).paths).toContain(
      '/endpoint',
    );
    expect(check({ ...valid, endpoint: 'http://127.0.0.1:8080/v2' }).errors).toEqual([]);
  });

  it('refuses an endpoint with a password without repeating it', () => {
    const { errors } = check({ ...valid, endpoint: 'https://bob:hunter2-secret@example.com' });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('/endpoint');
    expect(JSON.stringify(errors)).not.toContain('hunter2-secret');
  });

  it('refuses credentials that are not an object of strings, without repeating a value', () => {
    const { errors } = check({ ...valid, credentials: { token: 12345678, other: 'x' } });
    expect(errors.map((error) => error.path)).toEqual(['/credentials']);
    expect(JSON.stringify(errors)).not.toContain('12345678');
    expect(check({ ...valid, credentials: ['authref://env/X'] }).paths).toEqual(['/credentials']);
    expect(check({ ...valid, credentials: null }).paths).toEqual(['/credentials']);
  });

  it('refuses settings that are not an object', () => {
    expect(check({ ...valid, settings: [1] }).paths).toEqual(['/settings']);
    expect(check({ ...valid, settings: 'x' }).paths).toEqual(['/settings']);
  });

  it('bounds the health check interval', () => {
    expect(check({ ...valid, healthCheckIntervalSeconds: 9 }).paths).toEqual([
      '/healthCheckIntervalSeconds',
    ]);
    expect(check({ ...valid, healthCheckIntervalSeconds: 86_401 }).paths).toEqual([
      '/healthCheckIntervalSeconds',
    ]);
    expect(check({ ...valid, healthCheckIntervalSeconds: 60.5 }).paths).toEqual([
      '/healthCheckIntervalSeconds',
    ]);
    expect(check({ ...valid, healthCheckIntervalSeconds: 10 }).errors).toEqual([]);
    expect(check({ ...valid, healthCheckIntervalSeconds: 86_400 }).errors).toEqual([]);
  });

  it('bounds the tags', () => {
    expect(check({ ...valid, tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }).paths).toEqual([
      '/tags',
    ]);
    expect(check({ ...valid, tags: ['x'.repeat(65)] }).paths).toEqual(['/tags']);
    expect(check({ ...valid, tags: [1] }).paths).toContain('/tags');
    expect(check({ ...valid, tags: 'prod' }).paths).toContain('/tags');
  });

  it('refuses null for the optional fields too', () => {
    expect(check({ ...valid, tags: null }).paths).toEqual(['/tags']);
    expect(check({ ...valid, healthCheckIntervalSeconds: null }).paths).toEqual([
      '/healthCheckIntervalSeconds',
    ]);
  });

  it('refuses properties it does not declare', () => {
    expect(check({ ...valid, id: 'x' }).errors).toEqual([
      { path: '/id', message: 'is not an allowed property' },
    ]);
  });
});
