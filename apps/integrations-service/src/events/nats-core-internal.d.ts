// The NATS packages' typings import `@nats-io/nats-core/internal`, a subpath that only their
// `exports` map names; this workspace resolves modules as node10 does, which ignores `exports`,
// so every NATS type (connections, publish options, stream configs) would silently become `any`.
// This points the subpath at the file the map names. Types only: nothing is loaded at run time.
// @nats-io/nats-core is the pinned dependency of both NATS packages we declare (one version).
declare module '@nats-io/nats-core/internal' {
  // eslint-disable-next-line @nx/enforce-module-boundaries -- see above: a type-only alias of our NATS packages' own dependency
  export * from '@nats-io/nats-core/lib/internal_mod';
}
