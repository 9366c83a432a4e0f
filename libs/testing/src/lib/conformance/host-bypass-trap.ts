import { AsyncLocalStorage } from 'node:async_hooks';
// Default imports are the modules' own objects, which is what has to be patched: a namespace
// import is a copy under CommonJS interop.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import type { PluginAgents } from '@stellaops/integrations-plugin-abstractions';

/** What a bypassing call gets instead of reaching the network. */
export class HostBypassError extends Error {
  override readonly name = 'HostBypassError';
  readonly code = 'ERR_HOST_BYPASS';
}

type Store = { readonly role: 'host' } | { readonly role: 'plugin'; readonly trap: HostBypassTrap };

/**
 * Who is running: code started by `HostBypassTrap.run` is the plugin's, code inside a host
 * function is the host's, and everything else (the kit, the test framework) is neither and is
 * never trapped.
 */
const context = new AsyncLocalStorage<Store>();
const HOST: Store = { role: 'host' };
const hostFunctions = new WeakSet<object>();

/**
 * Wraps one of the host's functions (its `fetch`, an agent's `createConnection`): everything it
 * does, now and in the callbacks and promises it starts, is the host's and passes the trap.
 */
export function asHostFunction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  if (hostFunctions.has(fn)) return fn;
  const wrapped = function (this: unknown, ...args: A): R {
    return context.run(HOST, () => fn.apply(this, args));
  };
  hostFunctions.add(wrapped);
  return wrapped;
}

export function isHostFunction(fn: unknown): boolean {
  return typeof fn === 'function' && hostFunctions.has(fn);
}

/** Why a call goes around the host, completing "the plugin called …", or `undefined` if not. */
type Judge = (trap: HostBypassTrap, args: readonly unknown[]) => string | undefined;

interface Patch {
  readonly target: object;
  readonly key: string;
  readonly judge: Judge;
  /** Whether the real function answers with a promise, so that a refusal rejects. */
  readonly rejects: boolean;
}

const CONNECT_ADVICE = 'connect through host.fetch or host.agents';
const DNS_ADVICE = 'the host resolves names itself when it connects (host.fetch, host.agents)';

function patches(): Patch[] {
  const list: Patch[] = [
    {
      target: globalThis,
      key: 'fetch',
      rejects: true,
      judge: (_trap, [input]) => `the global fetch for ${fetchTarget(input)}: use host.fetch`,
    },
  ];
  for (const [name, module] of [
    ['http', http],
    ['https', https],
  ] as const) {
    for (const key of ['request', 'get']) {
      list.push({ target: module, key, rejects: false, judge: requestJudge(name, key) });
    }
  }
  const connects: Array<[object, string, string]> = [
    [net, 'connect', 'net.connect'],
    [net, 'createConnection', 'net.createConnection'],
    [tls, 'connect', 'tls.connect'],
    // Below every way to a TCP socket: a function taken from its module before the trap was
    // set, http.request on an agent of the plugin's own, an SDK's private client.
    [net.Socket.prototype, 'connect', 'net.Socket#connect'],
  ];
  for (const [target, key, name] of connects) {
    list.push({
      target,
      key,
      rejects: false,
      judge: (_trap, args) => `${name} to ${connectTarget(args)}: ${CONNECT_ADVICE}`,
    });
  }
  const resolvers: Array<[object, string, boolean]> = [
    [dns, 'dns', false],
    [dns.promises, 'dns.promises', true],
    [dns.Resolver.prototype, 'dns.Resolver#', false],
    [dns.promises.Resolver.prototype, 'dns.promises.Resolver#', true],
  ];
  for (const [target, prefix, rejects] of resolvers) {
    for (const key of Object.getOwnPropertyNames(target)) {
      if (!isResolverMethod(key) || typeof Reflect.get(target, key) !== 'function') continue;
      const name = prefix.endsWith('#') ? `${prefix}${key}` : `${prefix}.${key}`;
      list.push({
        target,
        key,
        rejects,
        judge: (_trap, [query]) => `${name} for ${String(query)}: ${DNS_ADVICE}`,
      });
    }
  }
  return list;
}

function isResolverMethod(key: string): boolean {
  return key === 'lookup' || key === 'lookupService' || key === 'reverse' || /^resolve/.test(key);
}

function requestJudge(module: 'http' | 'https', key: string): Judge {
  return (trap, args) => {
    const { target, agent } = requestArguments(module, args);
    if (agent !== undefined && agent !== null && agent !== false && trap.isHostAgent(agent))
      return undefined;
    const how =
      agent === false
        ? 'with agent: false, which opens a connection of its own'
        : agent === undefined || agent === null
          ? "without one of the host's agents"
          : "with an agent that is not one of the host's";
    return `${module}.${key} for ${target} ${how}: pass agent: host.agents.${module}, or use host.fetch`;
  };
}

interface Installed {
  readonly target: object;
  readonly key: string;
  /** `undefined` when the property was inherited, so restoring deletes the own one. */
  readonly descriptor: PropertyDescriptor | undefined;
}

let installed: Installed[] = [];
let openTraps = 0;

function install(): void {
  for (const patch of patches()) {
    const original: unknown = Reflect.get(patch.target, patch.key);
    if (typeof original !== 'function') continue;
    installed.push({
      target: patch.target,
      key: patch.key,
      descriptor: Object.getOwnPropertyDescriptor(patch.target, patch.key),
    });
    Object.defineProperty(patch.target, patch.key, {
      configurable: true,
      writable: true,
      value: trapped(original as (...args: unknown[]) => unknown, patch),
    });
  }
  // An ES module's `import { request } from 'node:https'` is a copy of the export: refresh it.
  syncBuiltinESMExports();
}

function uninstall(): void {
  for (const { target, key, descriptor } of installed.reverse()) {
    if (descriptor === undefined) Reflect.deleteProperty(target, key);
    else Object.defineProperty(target, key, descriptor);
  }
  installed = [];
  syncBuiltinESMExports();
}

function trapped(original: (...args: unknown[]) => unknown, patch: Patch) {
  return function (this: unknown, ...args: unknown[]): unknown {
    const store = context.getStore();
    const bypass = store?.role === 'plugin' ? patch.judge(store.trap, args) : undefined;
    if (store?.role !== 'plugin' || bypass === undefined) return original.apply(this, args);
    const error = store.trap.refuse(bypass);
    if (patch.rejects) return Promise.reject(error);
    throw error;
  };
}

/**
 * Traps, while it is open, the ways a plugin can reach the network without its host: the global
 * `fetch`, `http`/`https` `request` and `get` without one of the host's agents, `net`/`tls`
 * connections and `dns` lookups. A trapped call made by code started with `run` never calls the
 * real function: it throws (or rejects, for a function that answers with a promise) a
 * `HostBypassError`, and the trap records what was called. The host's own functions
 * (`asHostFunction`) and the host's agents pass. `close` puts every original back.
 */
export class HostBypassTrap {
  private readonly calls: string[] = [];
  private readonly hostAgents: ReadonlySet<object>;
  private readonly restoreAgents: Array<() => void>;
  private closed = false;

  private constructor(agents: Partial<PluginAgents> | undefined) {
    this.hostAgents = new Set(
      [agents?.http, agents?.https].filter(
        (agent): agent is NonNullable<typeof agent> => typeof agent === 'object' && agent !== null,
      ),
    );
    this.restoreAgents = [...this.hostAgents].map(ownConnections);
  }

  /** Sets the trap; `agents` are the host's, whose requests and connections pass. */
  static open(agents: Partial<PluginAgents> | undefined): HostBypassTrap {
    if (openTraps === 0) install();
    openTraps += 1;
    return new HostBypassTrap(agents);
  }

  /** Runs `body` as the plugin: the calls it makes around the host are refused and recorded. */
  run<T>(body: () => T): T {
    return context.run({ role: 'plugin', trap: this }, body);
  }

  /** Each call around the host, as "the plugin called …: <what to use instead>". */
  get bypasses(): readonly string[] {
    return [...new Set(this.calls)];
  }

  isHostAgent(agent: unknown): boolean {
    return typeof agent === 'object' && agent !== null && this.hostAgents.has(agent);
  }

  refuse(bypass: string): HostBypassError {
    this.calls.push(`the plugin called ${bypass}`);
    return new HostBypassError(`refused by the conformance kit: the plugin called ${bypass}`);
  }

  /** Restores the originals once the last open trap closes. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const restore of this.restoreAgents) restore();
    openTraps -= 1;
    if (openTraps === 0) uninstall();
  }
}

/** Makes the connections `agent` opens the host's, until the returned function is called. */
function ownConnections(agent: object): () => void {
  const create: unknown = Reflect.get(agent, 'createConnection');
  if (typeof create !== 'function') return () => undefined;
  const descriptor = Object.getOwnPropertyDescriptor(agent, 'createConnection');
  Object.defineProperty(agent, 'createConnection', {
    configurable: true,
    writable: true,
    value: asHostFunction(create as (...args: unknown[]) => unknown),
  });
  return () => {
    if (descriptor === undefined) Reflect.deleteProperty(agent, 'createConnection');
    else Object.defineProperty(agent, 'createConnection', descriptor);
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A string, a URL (of any realm) or a Request, as a URL string. */
function fetchTarget(input: unknown): string {
  if (isObject(input)) {
    if (typeof input['url'] === 'string') return input['url'];
    if (typeof input['href'] === 'string') return input['href'];
  }
  return String(input);
}

/** `(url[, options][, callback])` or `(options[, callback])`, as http.request takes them. */
function requestArguments(
  module: 'http' | 'https',
  [first, second]: readonly unknown[],
): { target: string; agent: unknown } {
  const isUrl = typeof first === 'string' || (isObject(first) && typeof first['href'] === 'string');
  const options = isUrl ? (isObject(second) ? second : undefined) : isObject(first) ? first : {};
  if (isUrl) return { target: fetchTarget(first), agent: options?.['agent'] };
  const scheme = typeof options?.['protocol'] === 'string' ? options['protocol'] : `${module}:`;
  const host = options?.['hostname'] ?? options?.['host'] ?? 'localhost';
  const port = options?.['port'] === undefined ? '' : `:${String(options['port'])}`;
  const path = typeof options?.['path'] === 'string' ? options['path'] : '/';
  return { target: `${scheme}//${String(host)}${port}${path}`, agent: options?.['agent'] };
}

/** `(options[, callback])`, `(port[, host][, callback])` or `(path[, callback])`. */
function connectTarget(args: readonly unknown[]): string {
  // net.connect hands Socket#connect its arguments already normalised, as an array.
  const [first, second] = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  if (isObject(first)) {
    if (typeof first['path'] === 'string') return first['path'];
    return `${String(first['host'] ?? 'localhost')}:${String(first['port'])}`;
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)))
    return `${typeof second === 'string' ? second : 'localhost'}:${first}`;
  return String(first);
}
