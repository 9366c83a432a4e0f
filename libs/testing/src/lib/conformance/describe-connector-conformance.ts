import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';
import { ConformanceFailureError } from './conformance-failure.error';
import type { ConformanceOptions } from './conformance-options';
import { ConformanceSuite } from './conformance-suite';

type Body = () => unknown;

/** The test-framework globals the kit registers with (jest's, or any framework that has them). */
interface TestGlobals {
  describe(name: string, body: () => void): void;
  it(name: string, body: Body, timeoutMs?: number): void;
  beforeAll(body: Body, timeoutMs?: number): void;
  afterAll(body: Body, timeoutMs?: number): void;
}

/** Certificate generation and a dozen local servers take well under this. */
const SERVER_START_TIMEOUT_MS = 60_000;

/**
 * Registers the conformance suite for `plugin` as jest `describe`/`it` blocks: one `it` per
 * case, failing with every failed check and its reason. Call it at the top level of a spec file.
 */
export function describeConnectorConformance(
  plugin: IntegrationConnectorPlugin,
  options: ConformanceOptions = {},
): void {
  const { describe, it, beforeAll, afterAll } = testGlobals();
  const suite = ConformanceSuite.create(plugin, options);
  const groups = [...new Set(suite.cases.map((testCase) => testCase.group))];
  describe(`${String(plugin.name)} conformance`, () => {
    beforeAll(() => suite.start(), SERVER_START_TIMEOUT_MS);
    afterAll(() => suite.stop(), SERVER_START_TIMEOUT_MS);
    for (const group of groups) {
      describe(group, () => {
        for (const testCase of suite.cases.filter((candidate) => candidate.group === group)) {
          it(
            testCase.title,
            async () => {
              const failures = (await suite.run(testCase)).filter((verdict) => !verdict.passed);
              if (failures.length > 0) throw new ConformanceFailureError(failures);
            },
            testCase.budgetMs,
          );
        }
      });
    }
  });
}

function testGlobals(): TestGlobals {
  const scope = globalThis as Partial<TestGlobals>;
  const { describe, it, beforeAll, afterAll } = scope;
  if (
    typeof describe !== 'function' ||
    typeof it !== 'function' ||
    typeof beforeAll !== 'function' ||
    typeof afterAll !== 'function'
  ) {
    throw new Error(
      'describeConnectorConformance registers tests: call it from a jest spec file, or use runConformanceChecks() elsewhere',
    );
  }
  return { describe, it, beforeAll, afterAll };
}
