import { describeOnDatabases } from './describe-on-databases';

interface Registered {
  suites: string[];
  skipped: string[];
  tests: { name: string; fn: () => unknown }[];
}

/** Runs describeOnDatabases against recording globals, with the given environment. */
function register(env: Record<string, string | undefined>): Registered {
  const registered: Registered = { suites: [], skipped: [], tests: [] };
  const globals = globalThis as unknown as Record<string, unknown>;
  const saved = Object.fromEntries(
    ['describe', 'it', 'beforeEach', 'afterEach'].map((name) => [name, globals[name]]),
  );
  const savedEnv = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const describe = (name: string, fn: () => void) => {
    registered.suites.push(name);
    fn();
  };
  describe.skip = (name: string, fn: () => void) => {
    registered.skipped.push(name);
    fn();
  };
  Object.assign(globals, {
    describe,
    it: (name: string, fn: () => unknown) => registered.tests.push({ name, fn }),
    beforeEach: () => undefined,
    afterEach: () => undefined,
  });
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    describeOnDatabases('Suite', (target) => {
      (globals['it'] as (name: string, fn: () => unknown) => void)(
        `runs on ${target.kind}`,
        () => undefined,
      );
    });
  } finally {
    Object.assign(globals, saved);
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return registered;
}

describe('describeOnDatabases', () => {
  it('runs on PGlite and skips PostgreSQL when TEST_DATABASE_URL is not set', () => {
    const registered = register({ TEST_DATABASE_URL: undefined, REQUIRE_POSTGRES: undefined });
    expect(registered.suites).toEqual(['Suite [pglite]']);
    expect(registered.skipped).toEqual(['Suite [postgres] (set TEST_DATABASE_URL to run)']);
    expect(registered.tests.map((test) => test.name)).toEqual([
      'runs on pglite',
      'runs on postgres',
    ]);
  });

  it('runs on both when TEST_DATABASE_URL is set', () => {
    const registered = register({
      TEST_DATABASE_URL: 'postgres://127.0.0.1/test',
      REQUIRE_POSTGRES: '1',
    });
    expect(registered.suites).toEqual(['Suite [pglite]', 'Suite [postgres]']);
    expect(registered.skipped).toEqual([]);
  });

  it('fails the PostgreSQL suite when REQUIRE_POSTGRES=1 and TEST_DATABASE_URL is not set', () => {
    const registered = register({ TEST_DATABASE_URL: undefined, REQUIRE_POSTGRES: '1' });
    expect(registered.suites).toEqual(['Suite [pglite]', 'Suite [postgres]']);
    expect(registered.skipped).toEqual([]);
    const failing = registered.tests.find(
      (test) => test.name === 'has a PostgreSQL database to run on',
    );
    expect(failing).toBeDefined();
    expect(() => failing?.fn()).toThrow(/REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set/);
  });
});
