import type {
  CheckPhase,
  HealthStatus,
  HostFetch,
  IntegrationConfig,
  PluginHost,
  SecretAccessor,
} from '@stellaops/integrations-plugin-abstractions';
import type { HostileScenarioName } from '../servers/hostile-scenarios';
import type { TestRequestHandler } from '../servers/test-server';

export type ConnectorOperation = 'testConnection' | 'checkHealth';

/** What the kit hands `makeConfig` for one call. */
export interface ConfigFactoryInput {
  /** The URL the call must reach (a hostile scenario's, or a case's server). */
  readonly endpoint: string;
  /** The canary (or your `secrets`) in every credential slot; searched for in results and logs. */
  readonly secrets: SecretAccessor;
  /**
   * A fresh host per call: capturing logger, real clock, `fetch`, agents of its own, the kit's
   * timeout. A host you build instead counts as the host too: its `fetch` and agents pass the
   * through-the-host check.
   */
  readonly host: PluginHost;
  /** `options.settings`, merged with the case's settings. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The config the kit would use unchanged: spread it and change what your plugin needs. */
  readonly defaults: IntegrationConfig;
}

interface OutcomeCase {
  /** Shown in the test name. */
  readonly name: string;
  /** Merged over `options.settings`. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Values for credential slots, replacing the canary. They are searched for leaks too. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Slots that are configured but fail to resolve (the secret store is down). */
  readonly failingSecrets?: readonly string[];
  /** Starts a local HTTP server answering with this handler; its URL becomes the endpoint. */
  readonly handler?: TestRequestHandler;
  /** The endpoint when there is no handler. Default: a local server answering 200 `{}`. */
  readonly endpoint?: string;
  /** Default: both. */
  readonly operations?: readonly ConnectorOperation[];
}

/** A configuration the plugin must report as a failure, with the phase and transience expected. */
export interface FailureCase extends OutcomeCase {
  readonly expect: {
    readonly phase?: CheckPhase | null;
    readonly isTransient?: boolean;
    readonly status?: Exclude<HealthStatus, 'healthy'>;
  };
}

/** A configuration the plugin must report as a success. */
export interface SuccessCase extends OutcomeCase {
  readonly expect?: { readonly status?: 'healthy' | 'degraded' };
}

export interface ConformanceOptions {
  /**
   * Whether the plugin talks to its endpoint over the network (default true). With `false` the
   * plugin is still fed every hostile endpoint and must answer well-formed, timely, leak-free
   * results, but the network expectations (no success, phase, transience) are not applied.
   */
  readonly network?: boolean;
  /** The host's `timeoutMs` for each call. Default 2000. */
  readonly timeoutMs?: number;
  /** How much later than `timeoutMs` a call may settle. Default 300. */
  readonly graceMs?: number;
  /** How soon after its signal fires a call must settle. Default 500. */
  readonly abortGraceMs?: number;
  /** Non-secret settings for every call. Default `{}`. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** The credential slots to fill. Default: the manifest's credential slots. */
  readonly credentialSlots?: readonly string[];
  /**
   * Values for slots that must have a particular form (a PEM key, say), used instead of the
   * canary. They are searched for in results and logs like the canary.
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Builds the config for a call when the defaults are not enough (an endpoint in a setting...). */
  readonly makeConfig?: (
    input: ConfigFactoryInput,
  ) => IntegrationConfig | Promise<IntegrationConfig>;
  /** The host's `fetch`. Default: the global `fetch`, which trusts no self-signed certificate. */
  readonly fetch?: HostFetch;
  /** The hostile scenarios to run. Default: all of them. */
  readonly scenarios?: readonly HostileScenarioName[];
  /**
   * Settings that keep a call busy long enough to be aborted, for a plugin that does not use the
   * network (the in-memory plugin: `{ latencyMs: 30000 }`). Network plugins meet a server that
   * never answers instead.
   */
  readonly slowSettings?: Readonly<Record<string, unknown>>;
  readonly failureCases?: readonly FailureCase[];
  readonly successCases?: readonly SuccessCase[];
  /** The secret put in every credential slot. Default: a random one per suite. */
  readonly canary?: string;
}
