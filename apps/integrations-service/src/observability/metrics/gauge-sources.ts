import type { HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import type { CollectionResult, GaugeMetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { GaugeReading, GaugeSource } from './metrics';

/** Where the gauges' failures and recoveries are reported. */
export interface GaugeLogger {
  log(message: string): void;
  warn(message: string): void;
}

/** A Prometheus metric name, as the exporter writes it unchanged (no `:`, those are for rules). */
const PROMETHEUS_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A scrape's share of one source's reading: the readings, or why the gauge is left out. */
type Outcome =
  | { readonly ok: true; readonly readings: readonly GaugeReading[] }
  | { readonly ok: false; readonly reason: string };

function hrTimeNow(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1_000), (ms % 1_000) * 1_000_000];
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The gauges other modules register (the poller's lag, the outbox's backlog), read at each
 * scrape and handed to the Prometheus exporter as a `MetricProducer`.
 *
 * Not OpenTelemetry observable gauges: under the cumulative temporality the Prometheus exporter
 * asks for, the SDK merges each collection into the last one, so a series a source stopped
 * reporting — or every series of a source that failed — would be exported with its old value
 * forever. Here a scrape shows exactly what the sources said at that scrape.
 *
 * A source that rejects, answers something other than finite numbers, or does not answer within
 * the time limit is left out of that scrape (no HELP, no samples: Prometheus sees the family
 * absent, not a stale or made-up value). Its first failure is logged, and then again only when
 * the reason changes or once it reads again, so that a database that is down for an hour does not
 * write a line per scrape. A read still running is shared by the scrapes that arrive meanwhile
 * rather than started again, so a hanging source cannot pile up reads.
 */
export class GaugeSources implements MetricProducer {
  private readonly sources: GaugeSource[] = [];
  private readonly inFlight = new Map<string, Promise<readonly GaugeReading[]>>();
  private readonly failing = new Map<string, string>();

  /**
   * @param reserved Prometheus names already exposed by other instruments.
   * @param timeoutMs how long a scrape waits for one source.
   */
  constructor(
    private readonly reserved: ReadonlySet<string>,
    private readonly timeoutMs: number,
    private readonly logger: GaugeLogger,
  ) {}

  add(source: GaugeSource): void {
    if (!PROMETHEUS_NAME.test(source.name)) {
      throw new Error(
        `gauge name '${source.name}' is not a Prometheus metric name ([a-zA-Z_][a-zA-Z0-9_]*)`,
      );
    }
    if (this.reserved.has(source.name) || this.sources.some((s) => s.name === source.name)) {
      throw new Error(`a metric named '${source.name}' is already registered`);
    }
    this.sources.push(source);
  }

  async collect(): Promise<CollectionResult> {
    const time = hrTimeNow();
    const outcomes = await Promise.all(this.sources.map((source) => this.read(source)));
    const metrics: GaugeMetricData[] = [];
    this.sources.forEach((source, index) => {
      const outcome = outcomes[index] as Outcome;
      if (!outcome.ok) {
        this.reportFailure(source.name, outcome.reason);
        return;
      }
      if (this.failing.delete(source.name)) {
        this.logger.log(`gauge ${source.name} reads again`);
      }
      metrics.push({
        descriptor: {
          name: source.name,
          description: source.description,
          unit: source.unit,
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: outcome.readings.map((reading) => ({
          startTime: time,
          endTime: time,
          attributes: { ...reading.attributes },
          value: reading.value,
        })),
      });
    });
    return {
      // The reader uses its own resource, not a producer's.
      resourceMetrics: {
        resource: emptyResource(),
        scopeMetrics: metrics.length === 0 ? [] : [{ scope: { name: 'gauges' }, metrics }],
      },
      // Failures are reported here, once, with the gauge's name; the scrape itself succeeds.
      errors: [],
    };
  }

  private async read(source: GaugeSource): Promise<Outcome> {
    let pending = this.inFlight.get(source.name);
    if (pending === undefined) {
      const started = Promise.resolve().then(() => source.read());
      pending = started.finally(() => this.inFlight.delete(source.name));
      // A read that fails after its scrape gave up on it was already reported as timed out; its
      // rejection must not become an unhandled one.
      pending.catch(() => undefined);
      this.inFlight.set(source.name, pending);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Outcome>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, reason: `no reading within ${this.timeoutMs} ms` }),
        this.timeoutMs,
      );
      timer.unref();
    });
    try {
      return await Promise.race([
        pending.then(
          (readings): Outcome => checked(readings),
          (error: unknown): Outcome => ({ ok: false, reason: reasonOf(error) }),
        ),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private reportFailure(name: string, reason: string): void {
    if (this.failing.get(name) === reason) return;
    this.failing.set(name, reason);
    this.logger.warn(
      `gauge ${name} is left out of the scrapes: ${reason} (logged again when the reason changes or it reads again)`,
    );
  }
}

function checked(readings: unknown): Outcome {
  if (!Array.isArray(readings)) {
    return { ok: false, reason: `the source answered ${typeof readings}, not a list of readings` };
  }
  for (const reading of readings as GaugeReading[]) {
    if (typeof reading?.value !== 'number' || !Number.isFinite(reading.value)) {
      return { ok: false, reason: `a reading is ${String(reading?.value)}, not a finite number` };
    }
  }
  return { ok: true, readings };
}
