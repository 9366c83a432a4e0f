/**
 * What is measured on the big tenant: every filter alone, with a value that matches and one that
 * matches nothing, and combinations, among them ones whose filters each match many rows but never
 * together (the case an estimate that assumes independent columns gets wrong). `expect` says
 * whether the first page must have items ('some') or none ('none'); a seed that does not bear it
 * out is reported, since the case would then measure something else.
 */
export const LISTING_CASES = [
  { name: 'list', query: {}, expect: 'some' },
  { name: 'list, second page', query: {}, page: 2, expect: 'some' },

  { name: 'type=registry', query: { type: 'registry' }, expect: 'some' },
  { name: 'type=runtime-host (none)', query: { type: 'runtime-host' }, expect: 'none' },
  { name: 'provider=harbor', query: { provider: 'harbor' }, expect: 'some' },
  { name: 'provider=bitbucket (none)', query: { provider: 'bitbucket' }, expect: 'none' },
  { name: 'status=disabled', query: { status: 'disabled' }, expect: 'some' },
  { name: 'status=pending (none)', query: { status: 'pending' }, expect: 'none' },
  { name: 'health=unhealthy', query: { health: 'unhealthy' }, expect: 'some' },
  { name: 'health=unknown (none)', query: { health: 'unknown' }, expect: 'none' },
  { name: 'tag=prod', query: { tag: 'prod' }, expect: 'some' },
  { name: 'tag=team-150', query: { tag: 'team-150' }, expect: 'some' },
  { name: 'tag=legacy (none here, in other tenants)', query: { tag: 'legacy' }, expect: 'none' },
  { name: 'tag=no-such-tag (none)', query: { tag: 'no-such-tag' }, expect: 'none' },
  { name: 'q=ledger', query: { q: 'ledger' }, expect: 'some' },
  { name: 'q=LEDGER-Fraud (case)', query: { q: 'LEDGER-Fraud' }, expect: 'some' },
  { name: 'q=0424242 (one row)', query: { q: '0424242' }, expect: 'some' },
  // Searches take at least 3 characters (the API refuses shorter ones: no trigram to find).
  { name: 'q=led (three letters)', query: { q: 'led' }, expect: 'some' },
  { name: 'q=zqx (none)', query: { q: 'zqx' }, expect: 'none' },
  { name: 'q=qzj (none, three letters)', query: { q: 'qzj' }, expect: 'none' },
  { name: 'q=50%_ (none, LIKE wildcards)', query: { q: '50%_' }, expect: 'none' },

  { name: 'type=scm&provider=gitlab', query: { type: 'scm', provider: 'gitlab' }, expect: 'some' },
  {
    name: 'type=scm&provider=harbor (none)',
    query: { type: 'scm', provider: 'harbor' },
    expect: 'none',
  },
  {
    name: 'status=active&health=degraded',
    query: { status: 'active', health: 'degraded' },
    expect: 'some',
  },
  {
    name: 'status=failed&health=healthy (none)',
    query: { status: 'failed', health: 'healthy' },
    expect: 'none',
  },
  { name: 'provider=ecr&tag=prod', query: { provider: 'ecr', tag: 'prod' }, expect: 'some' },
  {
    name: 'provider=ecr&tag=legacy (none)',
    query: { provider: 'ecr', tag: 'legacy' },
    expect: 'none',
  },
  {
    name: 'tag=prod&status=disabled',
    query: { tag: 'prod', status: 'disabled' },
    expect: 'some',
  },
  {
    name: 'type=registry&health=unhealthy&tag=staging',
    query: { type: 'registry', health: 'unhealthy', tag: 'staging' },
    expect: 'some',
  },
  { name: 'q=ledger&type=registry', query: { q: 'ledger', type: 'registry' }, expect: 'some' },
  {
    name: 'q=ledger&provider=bitbucket (none)',
    query: { q: 'ledger', provider: 'bitbucket' },
    expect: 'none',
  },
  { name: 'q=zqx&tag=prod (none)', query: { q: 'zqx', tag: 'prod' }, expect: 'none' },
  {
    name: 'all six filters',
    query: {
      type: 'registry',
      provider: 'harbor',
      status: 'active',
      health: 'healthy',
      tag: 'prod',
      q: 'ledger',
    },
    expect: 'some',
  },
  {
    name: 'all six filters (none)',
    query: {
      type: 'registry',
      provider: 'harbor',
      status: 'failed',
      health: 'healthy',
      tag: 'prod',
      q: 'ledger',
    },
    expect: 'none',
  },
];
