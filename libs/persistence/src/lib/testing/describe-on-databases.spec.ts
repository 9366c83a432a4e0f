import { describeOnDatabases } from './describe-on-databases';

/** Runs describeOnDatabases against recording globals, with the given environment. */
function suitesDeclared(env: Record<string, string | undefined>): string[] {
  const suites: string[] = [];
  const globals = globalThis as unknown as Record<string, unknown>;
  const saved = Object.fromEntries(
    ['describe', 'it', 'beforeEach', 'afterEach'].map((name) => [name, globals[name]]),
  );
  const savedEnv = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(globals, {
    describe: (name: string, fn: () => void) => {
      suites.push(name);
      fn();
    },
    it: () => undefined,
    beforeEach: () => undefined,
    afterEach: () => undefined,
  });
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    describeOnDatabases('Suite', (target) => suites.push(`target ${target.kind}`));
  } finally {
    Object.assign(globals, saved);
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return suites;
}

describe('describeOnDatabases', () => {
  it('runs on the embedded PostgreSQL when TEST_DATABASE_URL is not set', () => {
    expect(suitesDeclared({ TEST_DATABASE_URL: undefined })).toEqual([
      'Suite [embedded]',
      'target embedded',
    ]);
  });

  it("runs on TEST_DATABASE_URL's server when it is set", () => {
    expect(suitesDeclared({ TEST_DATABASE_URL: 'postgres://db.invalid/x' })).toEqual([
      'Suite [postgres]',
      'target postgres',
    ]);
  });
});
