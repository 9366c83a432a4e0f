import { isCheckPhase, isHealthStatus } from '@stellaops/integrations-plugin-abstractions';

const UTC_ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * What is wrong with a value that should be a `CheckResult` (a `TestConnectionResult` or a
 * `HealthCheckResult`): the shape the service stores and serves. An empty list means it is
 * well-formed. The service refuses a result with any problem; the conformance kit reports them.
 */
export function validateCheckResult(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`expected a CheckResult object, got ${describe(value)}`];
  }
  const result = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof result['success'] !== 'boolean') problems.push('success is not a boolean');
  if (!isHealthStatus(result['status'])) {
    problems.push(`status ${describe(result['status'])} is not one of HealthStatuses`);
  }
  if (result['phase'] !== null && !isCheckPhase(result['phase'])) {
    problems.push(`phase ${describe(result['phase'])} is neither null nor one of CheckPhases`);
  }
  const durationMs = result['durationMs'];
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
    problems.push(`durationMs ${describe(durationMs)} is not a finite number >= 0`);
  }
  const checkedAt = result['checkedAt'];
  if (
    typeof checkedAt !== 'string' ||
    !UTC_ISO_8601.test(checkedAt) ||
    Number.isNaN(Date.parse(checkedAt))
  ) {
    problems.push(`checkedAt ${describe(checkedAt)} is not a UTC ISO-8601 timestamp`);
  }
  if (typeof result['isTransient'] !== 'boolean') problems.push('isTransient is not a boolean');
  if (typeof result['message'] !== 'string') problems.push('message is not a string');
  const details = result['details'];
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    problems.push(`details ${describe(details)} is not an object`);
  }
  if (result['success'] === true) {
    if (result['phase'] !== null) problems.push('a success has a phase (it must be null)');
    if (result['status'] !== 'healthy' && result['status'] !== 'degraded') {
      problems.push(`a success has status ${describe(result['status'])}`);
    }
  }
  if (result['success'] === false && result['status'] === 'healthy') {
    problems.push("a failure has status 'healthy'");
  }
  try {
    JSON.stringify(value);
  } catch (error) {
    problems.push(`the result cannot be serialized to JSON (${(error as Error).name})`);
  }
  return problems;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
