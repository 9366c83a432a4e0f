import { randomBytes } from 'node:crypto';
import type {
  CheckResult,
  IntegrationConfig,
  IntegrationConnectorPlugin,
  PluginHost,
} from '@stellaops/integrations-plugin-abstractions';
import { systemClock } from '@stellaops/integrations-plugin-abstractions';
import { validateCheckResult } from '@stellaops/integrations-plugin-host';
import type { PluginHostOverrides } from '../fixtures/a-plugin-host';
import { aPluginHost } from '../fixtures/a-plugin-host';
import { anIntegrationConfig } from '../fixtures/an-integration-config';
import { CapturingLogger } from '../fixtures/capturing-logger';
import type { SecretFailure } from '../fixtures/in-memory-secret-accessor';
import { InMemorySecretAccessor } from '../fixtures/in-memory-secret-accessor';
import { findText } from '../find-text';
import type { HostileEndpoint, HostileScenario } from '../servers/hostile-scenarios';
import { hostileScenario, hostileScenarios } from '../servers/hostile-scenarios';
import { startHttpServer } from '../servers/start-http-server';
import { respondJson } from '../servers/test-server';
import { withUnresolvableNames } from '../servers/with-unresolvable-names';
import type { ConformanceCheckResult } from './conformance-check-result';
import { errorSummary, failed, passed, redact } from './conformance-check-result';
import type {
  ConformanceOptions,
  ConnectorOperation,
  FailureCase,
  SuccessCase,
} from './conformance-options';
import type { Expectation } from './expectation';
import { expectations } from './expectation';
import { asHostFunction, HostBypassTrap, isHostFunction } from './host-bypass-trap';
import { kitAgents } from './kit-agents';
import { manifestChecks } from './manifest-checks';
import { networkExpectations } from './network-expectations';
import type { CallObservation } from './observe-call';
import { observeCall } from './observe-call';

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_GRACE_MS = 300;
const DEFAULT_ABORT_GRACE_MS = 500;
/** When the kit fires the signal of a call it aborts midway. */
const ABORT_AFTER_MS = 100;
/** What a test framework should allow a case beyond the kit's own deadline (GC, a busy machine). */
const CASE_OVERHEAD_MS = 5000;
/** Secrets shorter than this are not searched for: they would match by chance. */
const MIN_SEARCHED_SECRET_LENGTH = 4;
const OPERATIONS: readonly ConnectorOperation[] = ['testConnection', 'checkHealth'];

/** One unit of the suite: a jest `it`, or a group of lines in the report. */
export interface ConformanceCase {
  readonly id: string;
  /** `plugin`, `testConnection` or `checkHealth`. */
  readonly group: string;
  readonly title: string;
  /** An upper bound on how long running the case takes, for a test framework's timeout. */
  readonly budgetMs: number;
}

interface CaseDefinition extends ConformanceCase {
  execute(): Promise<ConformanceCheckResult[]>;
}

interface CallSpec {
  readonly operation: ConnectorOperation;
  readonly endpoint: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly secrets?: Readonly<Record<string, string>>;
  readonly failingSecrets?: readonly string[];
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly abortAfterMs?: number;
  readonly preAborted?: boolean;
}

interface PreparedCall {
  readonly config: IntegrationConfig;
  readonly logger: CapturingLogger;
  readonly secrets: readonly string[];
  /** Closes what the kit's host keeps open. */
  release(): void;
}

interface CallRecord extends PreparedCall {
  readonly observation: CallObservation;
  /** What the plugin called around its host, as `HostBypassTrap.bypasses`. */
  readonly bypasses: readonly string[];
}

type OutcomeCase = FailureCase | SuccessCase;

/**
 * The plugin conformance kit's engine. It owns the local servers of the hostile scenarios and
 * runs each case as plain async code returning verdicts, so it can be driven by jest
 * (`describeConnectorConformance`), by a script (`runConformanceChecks`) or by its own tests.
 */
export class ConformanceSuite {
  readonly cases: readonly ConformanceCase[];

  private readonly definitions: ReadonlyMap<string, CaseDefinition>;
  private readonly network: boolean;
  private readonly timeoutMs: number;
  private readonly graceMs: number;
  private readonly abortGraceMs: number;
  private readonly settings: Readonly<Record<string, unknown>>;
  private readonly credentialSlots: readonly string[];
  private readonly canary: string;
  private readonly scenarios: readonly HostileScenario[];
  private readonly outcomeCaseKeys = new Map<OutcomeCase, string>();
  private urls: ReadonlyMap<string, string> | undefined;
  private closers: Array<() => Promise<void>> = [];

  private constructor(
    private readonly plugin: IntegrationConnectorPlugin,
    private readonly options: ConformanceOptions,
  ) {
    this.network = options.network ?? true;
    this.timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
    this.graceMs = positive(options.graceMs, DEFAULT_GRACE_MS, 'graceMs');
    this.abortGraceMs = positive(options.abortGraceMs, DEFAULT_ABORT_GRACE_MS, 'abortGraceMs');
    this.settings = options.settings ?? {};
    this.credentialSlots = options.credentialSlots ?? declaredSlots(plugin);
    this.canary = options.canary ?? `stellaops-canary-${randomBytes(12).toString('hex')}`;
    this.scenarios = options.scenarios?.map(hostileScenario) ?? hostileScenarios;
    [...(options.failureCases ?? []), ...(options.successCases ?? [])].forEach((outcome, index) =>
      this.outcomeCaseKeys.set(outcome, `case-${index}`),
    );
    const definitions = this.defineCases();
    this.definitions = new Map(definitions.map((definition) => [definition.id, definition]));
    this.cases = definitions.map(({ id, group, title, budgetMs }) => ({
      id,
      group,
      title,
      budgetMs,
    }));
  }

  static create(
    plugin: IntegrationConnectorPlugin,
    options: ConformanceOptions = {},
  ): ConformanceSuite {
    return new ConformanceSuite(plugin, options);
  }

  /** Starts the local servers every case needs. Call once before `run`; pair with `stop`. */
  async start(): Promise<void> {
    if (this.urls !== undefined) return;
    const urls = new Map<string, string>();
    const launch = async (key: string, start: () => Promise<HostileEndpoint>): Promise<void> => {
      const endpoint = await start();
      this.closers.push(() => endpoint.close());
      urls.set(key, endpoint.url);
    };
    const scenarios = new Set([...this.scenarios, hostileScenario('never-answers')]);
    try {
      await Promise.all([
        ...[...scenarios].map((scenario) => launch(scenario.name, () => scenario.start())),
        launch('ok', () => startHttpServer((_request, response) => respondJson(response, 200, {}))),
        ...[...this.outcomeCaseKeys].map(([outcome, key]) => {
          const handler = outcome.handler;
          return handler === undefined ? undefined : launch(key, () => startHttpServer(handler));
        }),
      ]);
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.urls = urls;
  }

  /** Closes every server and its connections. */
  async stop(): Promise<void> {
    const closers = this.closers;
    this.closers = [];
    this.urls = undefined;
    await Promise.all(closers.map((close) => close()));
  }

  /** Runs one case; its checks' names are relative to the case. */
  async run(testCase: Pick<ConformanceCase, 'id'>): Promise<ConformanceCheckResult[]> {
    const definition = this.definitions.get(testCase.id);
    if (definition === undefined) throw new RangeError(`no conformance case '${testCase.id}'`);
    if (this.urls === undefined)
      throw new Error('start() the conformance suite before running a case');
    return definition.execute();
  }

  private defineCases(): CaseDefinition[] {
    const definitions: CaseDefinition[] = manifestChecks(this.plugin, {
      kitSettings: async () => {
        const prepared = await this.prepare(this.specFor('testConnection', 'ok'));
        prepared.release();
        return prepared.config.settings;
      },
      timeoutMs: this.timeoutMs,
    }).map((group) => ({
      id: `plugin:${group.title}`,
      group: 'plugin',
      title: group.title,
      budgetMs: this.timeoutMs + CASE_OVERHEAD_MS,
      execute: () => group.run(),
    }));
    const callBudget = this.timeoutMs + this.graceMs + CASE_OVERHEAD_MS;
    for (const operation of OPERATIONS) {
      for (const scenario of this.scenarios) {
        definitions.push({
          id: `${operation}:${scenario.name}`,
          group: operation,
          title: scenario.title,
          budgetMs: callBudget,
          execute: () =>
            this.judgeCall(
              this.specFor(operation, scenario.name),
              this.network ? networkExpectations(scenario.name) : [],
            ),
        });
      }
      definitions.push(
        {
          id: `${operation}:abort-mid-call`,
          group: operation,
          title: 'its signal fires while the call is under way',
          budgetMs: ABORT_AFTER_MS + this.abortGraceMs + CASE_OVERHEAD_MS,
          execute: () => this.judgeAbort(operation, false),
        },
        {
          id: `${operation}:pre-aborted`,
          group: operation,
          title: 'its signal has fired before the call',
          budgetMs: this.abortGraceMs + CASE_OVERHEAD_MS,
          execute: () => this.judgeAbort(operation, true),
        },
      );
      for (const [outcome, key] of this.outcomeCaseKeys) {
        if (!(outcome.operations ?? OPERATIONS).includes(operation)) continue;
        const isFailure = isFailureCase(outcome, this.options);
        definitions.push({
          id: `${operation}:${key}`,
          group: operation,
          title: `${isFailure ? 'failure' : 'success'} case: ${outcome.name}`,
          budgetMs: callBudget,
          execute: () => this.judgeOutcomeCase(operation, outcome, key, isFailure),
        });
      }
    }
    return definitions;
  }

  private specFor(operation: ConnectorOperation, urlKey: string): CallSpec {
    return {
      operation,
      endpoint: this.url(urlKey),
      settings: this.settings,
      timeoutMs: this.timeoutMs,
      deadlineMs: this.timeoutMs + this.graceMs,
    };
  }

  private url(key: string): string {
    const url = this.urls?.get(key);
    if (url === undefined)
      throw new Error(`the conformance suite has no server '${key}': start() it first`);
    return url;
  }

  private async judgeAbort(
    operation: ConnectorOperation,
    preAborted: boolean,
  ): Promise<ConformanceCheckResult[]> {
    const slow = this.options.slowSettings;
    // Long enough that only the abort, never the host's timeout, can end the call in time.
    const timeoutMs = Math.max(this.timeoutMs, ABORT_AFTER_MS + 2 * this.abortGraceMs + 1000);
    const base = {
      operation,
      endpoint: this.url('never-answers'),
      settings: { ...this.settings, ...slow },
      timeoutMs,
    };
    const spec: CallSpec = preAborted
      ? { ...base, deadlineMs: this.abortGraceMs, preAborted: true }
      : { ...base, deadlineMs: ABORT_AFTER_MS + this.abortGraceMs, abortAfterMs: ABORT_AFTER_MS };
    // A call that had already been aborted, or that was busy when it was, cannot have succeeded.
    const canHaveSucceeded = !preAborted && !this.network && slow === undefined;
    return this.judgeCall(spec, canHaveSucceeded ? [] : [expectations.noSuccess()]);
  }

  private async judgeOutcomeCase(
    operation: ConnectorOperation,
    outcome: OutcomeCase,
    key: string,
    isFailure: boolean,
  ): Promise<ConformanceCheckResult[]> {
    const endpoint =
      outcome.handler === undefined ? (outcome.endpoint ?? this.url('ok')) : this.url(key);
    const wanted: Expectation[] = [];
    if (isFailure) {
      const expected = (outcome as FailureCase).expect;
      wanted.push(expectations.noSuccess());
      if (expected.phase !== undefined) wanted.push(expectations.phase(expected.phase));
      if (expected.isTransient !== undefined)
        wanted.push(expectations.transient(expected.isTransient));
      if (expected.status !== undefined) wanted.push(expectations.status(expected.status));
    } else {
      const expected = (outcome as SuccessCase).expect;
      wanted.push(expectations.success());
      if (expected?.status !== undefined) wanted.push(expectations.status(expected.status));
    }
    return this.judgeCall(
      {
        operation,
        endpoint,
        settings: { ...this.settings, ...outcome.settings },
        secrets: outcome.secrets ?? {},
        failingSecrets: outcome.failingSecrets ?? [],
        timeoutMs: this.timeoutMs,
        deadlineMs: this.timeoutMs + this.graceMs,
      },
      wanted,
    );
  }

  private async prepare(spec: CallSpec): Promise<PreparedCall> {
    const values: Record<string, string> = {};
    for (const slot of this.credentialSlots)
      values[slot] = this.options.secrets?.[slot] ?? this.canary;
    Object.assign(values, spec.secrets);
    const failing: Record<string, SecretFailure> = {};
    for (const slot of spec.failingSecrets ?? []) {
      delete values[slot];
      failing[slot] = {};
    }
    const accessor = new InMemorySecretAccessor(values, { failing });
    const logger = new CapturingLogger();
    // The dns-failure scenario's lookup fails inside the host, so no scenario leaves the machine.
    // What the host's fetch does is the host's: the bypass trap lets it through.
    const fetch = asHostFunction(
      withUnresolvableNames(this.options.fetch ?? ((input, init) => globalThis.fetch(input, init))),
    );
    const agents = kitAgents();
    const hostOverrides: PluginHostOverrides<typeof systemClock> = {
      logger,
      clock: systemClock,
      timeoutMs: spec.timeoutMs,
      fetch,
      agents,
    };
    const host = aPluginHost(hostOverrides);
    const defaults = anIntegrationConfig({
      type: this.plugin.type,
      provider: this.plugin.provider,
      endpoint: spec.endpoint,
      settings: spec.settings,
      secrets: accessor,
      host,
    });
    const config =
      this.options.makeConfig === undefined
        ? defaults
        : await this.options.makeConfig({
            endpoint: spec.endpoint,
            secrets: accessor,
            host,
            settings: spec.settings,
            defaults,
          });
    const secrets = [this.canary, ...Object.values(values)].filter(
      (secret, index, all) =>
        secret.length >= MIN_SEARCHED_SECRET_LENGTH && all.indexOf(secret) === index,
    );
    return { config, logger, secrets, release: () => agents.destroy() };
  }

  private async call(spec: CallSpec): Promise<CallRecord> {
    const prepared = await this.prepare(spec);
    const config = withHostFetch(prepared.config);
    const controller = new AbortController();
    if (spec.preAborted === true) controller.abort();
    // Closed however the call ends, a plugin that hangs past the deadline included.
    const trap = HostBypassTrap.open((config.host as PluginHost | undefined)?.agents);
    try {
      const observation = await observeCall(
        () =>
          trap.run(() =>
            spec.operation === 'testConnection'
              ? this.plugin.testConnection(config, controller.signal)
              : this.plugin.checkHealth(config, controller.signal),
          ),
        {
          controller,
          deadlineMs: spec.deadlineMs,
          ...(spec.abortAfterMs === undefined ? {} : { abortAfterMs: spec.abortAfterMs }),
        },
      );
      return { ...prepared, observation, bypasses: trap.bypasses };
    } finally {
      trap.close();
      prepared.release();
    }
  }

  private async judgeCall(
    spec: CallSpec,
    wanted: readonly Expectation[],
  ): Promise<ConformanceCheckResult[]> {
    let record: CallRecord;
    try {
      record = await this.call(spec);
    } catch (error) {
      return [
        failed(
          'the kit can build a config for the call',
          `${errorSummary(error, [this.canary])} (check options.makeConfig)`,
        ),
      ];
    }
    const { observation, secrets } = record;
    const { outcome } = observation;
    const verdicts: ConformanceCheckResult[] = [this.judgeTiming(spec, observation)];

    const resolves = 'resolves instead of throwing or rejecting';
    if (outcome.kind === 'resolved') verdicts.push(passed(resolves));
    else if (outcome.kind === 'pending') verdicts.push(failed(resolves, 'it had not settled'));
    else {
      const how = outcome.kind === 'threw' ? 'threw synchronously' : 'rejected';
      verdicts.push(failed(resolves, `${how} with ${errorSummary(outcome.error, secrets)}`));
    }

    const wellFormed = 'returns a well-formed CheckResult';
    const value = outcome.kind === 'resolved' ? outcome.value : undefined;
    const problems =
      outcome.kind === 'resolved' ? validateCheckResult(value) : ['there is no result'];
    verdicts.push(
      problems.length === 0
        ? passed(wellFormed)
        : failed(wellFormed, redact(problems.join('; '), secrets)),
    );

    const throughHost = 'makes its network calls through the host';
    verdicts.push(
      record.bypasses.length === 0
        ? passed(throughHost)
        : failed(throughHost, redact(record.bypasses.join('; '), secrets)),
    );

    const inspectable = typeof value === 'object' && value !== null;
    for (const expectation of wanted) {
      const reason = inspectable
        ? expectation.verify(value as CheckResult, observation)
        : 'there is no result';
      verdicts.push(
        reason === undefined
          ? passed(expectation.check)
          : failed(expectation.check, redact(reason, secrets)),
      );
    }

    const leakedInResult =
      outcome.kind === 'resolved'
        ? findText(outcome.value, secrets).map((match) => `result.${match.path}`)
        : outcome.kind === 'pending'
          ? []
          : findText(outcome.error, secrets).map((match) => `error.${match.path}`);
    verdicts.push(
      leakedInResult.length === 0
        ? passed('keeps secrets out of the result')
        : failed(
            'keeps secrets out of the result',
            `a secret is in ${unique(leakedInResult).join(', ')}`,
          ),
    );

    const leakedInLog = record.logger.entries.flatMap((entry, index) =>
      findText(entry, secrets).map((match) => `entry ${index} (${entry.level}) ${match.path}`),
    );
    verdicts.push(
      leakedInLog.length === 0
        ? passed('keeps secrets out of the log')
        : failed(
            'keeps secrets out of the log',
            `a secret is in ${unique(leakedInLog).join(', ')}`,
          ),
    );
    return verdicts;
  }

  private judgeTiming(spec: CallSpec, observation: CallObservation): ConformanceCheckResult {
    const settled = observation.outcome.kind !== 'pending';
    const elapsed = Math.round(observation.elapsedMs);
    if (spec.preAborted === true) {
      const check = `settles within ${this.abortGraceMs} ms when its signal has already fired`;
      return settled && elapsed <= this.abortGraceMs
        ? passed(check)
        : failed(
            check,
            settled ? `settled after ${elapsed} ms` : `still pending after ${elapsed} ms`,
          );
    }
    if (spec.abortAfterMs !== undefined) {
      const check = `settles within ${this.abortGraceMs} ms of its signal firing`;
      if (!settled)
        return failed(check, `still pending ${elapsed - spec.abortAfterMs} ms after the abort`);
      const afterAbort =
        observation.abortedAtMs === undefined ? 0 : elapsed - Math.round(observation.abortedAtMs);
      return afterAbort <= this.abortGraceMs
        ? passed(check)
        : failed(check, `settled ${afterAbort} ms after the abort`);
    }
    const check = `settles within its timeout (${spec.timeoutMs} ms + ${spec.deadlineMs - spec.timeoutMs} ms grace)`;
    return settled && elapsed <= spec.deadlineMs
      ? passed(check)
      : failed(
          check,
          settled ? `settled after ${elapsed} ms` : `still pending after ${elapsed} ms`,
        );
  }
}

/**
 * The config with a host whose `fetch` the bypass trap knows as the host's: a host that
 * `makeConfig` built itself has a `fetch` the kit did not wrap.
 */
function withHostFetch(config: IntegrationConfig): IntegrationConfig {
  const host = config.host as PluginHost | undefined;
  if (typeof host?.fetch !== 'function' || isHostFunction(host.fetch)) return config;
  return { ...config, host: { ...host, fetch: asHostFunction(host.fetch) } };
}

function isFailureCase(outcome: OutcomeCase, options: ConformanceOptions): boolean {
  return (options.failureCases ?? []).includes(outcome as FailureCase);
}

function declaredSlots(plugin: IntegrationConnectorPlugin): string[] {
  try {
    const slots: unknown = plugin.manifest.credentialSlots;
    if (!Array.isArray(slots)) return [];
    return slots
      .map((slot: unknown) => (slot as { name?: unknown } | null)?.name)
      .filter((name): name is string => typeof name === 'string' && name !== '');
  } catch {
    // A manifest that cannot be read fails the manifest checks; the calls run without secrets.
    return [];
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`conformance option ${name} must be a positive number of milliseconds`);
  }
  return value;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
