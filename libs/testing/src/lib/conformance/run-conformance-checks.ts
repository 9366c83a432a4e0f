import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';
import type { ConformanceCheckResult } from './conformance-check-result';
import type { ConformanceOptions } from './conformance-options';
import { ConformanceSuite } from './conformance-suite';

/**
 * Runs the whole conformance suite against `plugin` and returns every verdict, named
 * `group › case › check`. It never throws for a failing plugin: look for `passed: false`.
 */
export async function runConformanceChecks(
  plugin: IntegrationConnectorPlugin,
  options: ConformanceOptions = {},
): Promise<ConformanceCheckResult[]> {
  const suite = ConformanceSuite.create(plugin, options);
  await suite.start();
  try {
    const verdicts: ConformanceCheckResult[] = [];
    for (const testCase of suite.cases) {
      for (const verdict of await suite.run(testCase)) {
        verdicts.push({
          ...verdict,
          check: `${testCase.group} › ${testCase.title} › ${verdict.check}`,
        });
      }
    }
    return verdicts;
  } finally {
    await suite.stop();
  }
}
