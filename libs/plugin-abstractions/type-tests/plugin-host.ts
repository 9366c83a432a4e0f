import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { PluginAgents, PluginHost } from '../src/index';
import { silentLogger, systemClock } from '../src/index';
import type { Equal } from './expect-type';
import { expectTrue, expectType } from './expect-type';

// The agents are node's own types, so an SDK that takes an agent takes these unchanged.
expectTrue<Equal<PluginHost['agents'], PluginAgents>>();
expectTrue<Equal<PluginAgents['http'], HttpAgent>>();
expectTrue<Equal<PluginAgents['https'], HttpsAgent>>();

declare const http: HttpAgent;
declare const https: HttpsAgent;
declare const fetch: PluginHost['fetch'];

expectType<PluginHost>({
  logger: silentLogger,
  clock: systemClock,
  fetch,
  agents: { http, https },
  timeoutMs: 1_000,
});

// A host without agents is no host: SDK-based plugins rely on them.
// @ts-expect-error agents is required
expectType<PluginHost>({ logger: silentLogger, clock: systemClock, fetch, timeoutMs: 1_000 });

// The https slot takes an https agent, not a plain http one.
// @ts-expect-error an http.Agent lacks the https agent's options
expectType<PluginAgents>({ http, https: http });
