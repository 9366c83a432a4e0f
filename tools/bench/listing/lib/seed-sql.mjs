/** A PostgreSQL identifier, quoted. */
export function quoteIdent(name) {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Words names are made of; `q` cases pick one that is common and strings that match nothing. */
const WORDS = [
  'payments',
  'checkout',
  'search',
  'billing',
  'identity',
  'catalog',
  'ledger',
  'gateway',
  'inventory',
  'reports',
  'orders',
  'shipping',
  'pricing',
  'accounts',
  'notify',
  'media',
  'profile',
  'session',
  'metrics',
  'backup',
  'archive',
  'export',
  'import',
  'mobile',
  'web',
  'admin',
  'support',
  'partner',
  'fraud',
  'loyalty',
  'vendor',
  'audit',
];

/**
 * Provider mix of a tenant, cumulative: [upper bound of the draw, type, provider]. The big tenant
 * has no `runtime-host` and no `bitbucket`, the other tenants do, so that a filter on them matches
 * nothing in the big tenant while its index still holds entries for that value.
 */
const BIG_TENANT_PROVIDERS = [
  [0.25, 'scm', 'github-app'],
  [0.4, 'scm', 'gitlab'],
  [0.52, 'registry', 'harbor'],
  [0.62, 'registry', 'ecr'],
  [0.68, 'registry', 'gcr'],
  [0.73, 'registry', 'acr'],
  [0.75, 'registry', 'oci'],
  [0.83, 'ci', 'jenkins'],
  [0.88, 'ci', 'github-actions'],
  [0.94, 'repo-source', 'gitea'],
  [1, 'repo-source', 'git'],
];
const OTHER_TENANT_PROVIDERS = [
  [0.3, 'scm', 'github-app'],
  [0.4, 'scm', 'bitbucket'],
  [0.6, 'registry', 'harbor'],
  [0.7, 'registry', 'ecr'],
  [0.8, 'ci', 'jenkins'],
  [1, 'runtime-host', 'kubernetes'],
];

function literal(text) {
  return `'${text.replaceAll("'", "''")}'`;
}

function providerCase(mix, draw, pick) {
  const branches = mix.map(
    ([upper, type, provider]) =>
      `WHEN ${draw} < ${upper} THEN ${literal(pick === 'type' ? type : provider)}`,
  );
  return `CASE ${branches.join(' ')} END`;
}

/**
 * One INSERT ... SELECT over generate_series($1, $2) that writes registrations of one tenant ($3)
 * straight into the integrations table, with the spread a large tenant has:
 *
 * - providers as above; status mostly active (90 %), failed (6 %), disabled (4 %); the big tenant
 *   has nothing pending and so nothing of unknown health (every row was checked), the others do;
 * - health correlated with status, as the service writes it: a failed registration is unhealthy;
 * - tags: a team (`team-000`..`team-199`, skewed towards the low numbers), an environment
 *   (prod 50 %, staging 30 %, dev 20 %), `pci` on 2 %, and `legacy` in the other tenants only;
 * - names `<word>-<word>-<7-digit n>`, one in ten capitalized, unique per tenant.
 *
 * The draws come from random() after setseed, so a seed is the same every time.
 */
export function seedStatement(schema, { otherTenant }) {
  const table = `${quoteIdent(schema)}."integrations"`;
  const mix = otherTenant ? OTHER_TENANT_PROVIDERS : BIG_TENANT_PROVIDERS;
  const words = `(ARRAY[${WORDS.map(literal).join(', ')}])`;
  const status = otherTenant
    ? `CASE WHEN r.s < 0.1 THEN 'pending' WHEN r.s < 0.9 THEN 'active' WHEN r.s < 0.96 THEN 'failed' ELSE 'disabled' END`
    : `CASE WHEN r.s < 0.9 THEN 'active' WHEN r.s < 0.96 THEN 'failed' ELSE 'disabled' END`;
  const health = `CASE WHEN g.status = 'pending' THEN 'unknown' WHEN g.status = 'failed' THEN 'unhealthy'
      WHEN r.h < 0.9 THEN 'healthy' WHEN r.h < 0.97 THEN 'degraded' ELSE 'unhealthy' END`;
  const legacy = otherTenant ? `CASE WHEN r.x < 0.2 THEN 'legacy' END` : 'NULL';
  return `
    INSERT INTO ${table} ("id", "tenant_id", "name", "type", "provider", "endpoint", "settings",
      "credentials", "status", "health", "last_checked_at", "last_health_message",
      "consecutive_failures", "health_check_interval_seconds", "tags", "created_at", "updated_at",
      "created_by", "updated_by", "next_check_at")
    SELECT gen_random_uuid(), $3, g.name, g.type, g.provider,
      'https://' || g.provider || '.example.invalid/' || g.i, '{}'::jsonb, '{}'::jsonb,
      g.status, g.health,
      CASE WHEN g.status = 'pending' THEN NULL ELSE now() - make_interval(secs => r.x * 86400) END,
      CASE WHEN g.status = 'pending' THEN NULL WHEN g.health = 'healthy' THEN 'ok'
        ELSE 'the provider answered 503' END,
      CASE WHEN g.health = 'unhealthy' THEN 1 + (r.x * 10)::integer ELSE 0 END,
      86400,
      ARRAY(SELECT tag FROM unnest(ARRAY[g.team, g.env, g.pci, g.legacy]) AS tag
        WHERE tag IS NOT NULL ORDER BY tag COLLATE "C"),
      now() - make_interval(days => (r.x * 900)::integer), now(), 'bench-seed', 'bench-seed',
      -- Far ahead: a health poller must find nothing due while the listing is measured.
      now() + interval '30 days'
    FROM (
      SELECT i, random() AS p, random() AS s, random() AS h, random() AS t, random() AS e,
        random() AS w1, random() AS w2, random() AS x
      FROM generate_series($1::integer, $2::integer) AS i
    ) AS r
    CROSS JOIN LATERAL (
      SELECT r.i,
        ${providerCase(mix, 'r.p', 'type')} AS type,
        ${providerCase(mix, 'r.p', 'provider')} AS provider,
        ${status} AS status,
        'team-' || lpad(floor(r.t * r.t * 200)::integer::text, 3, '0') AS team,
        CASE WHEN r.e < 0.5 THEN 'prod' WHEN r.e < 0.8 THEN 'staging' ELSE 'dev' END AS env,
        CASE WHEN r.i % 50 = 0 THEN 'pci' END AS pci,
        ${legacy} AS legacy,
        (CASE WHEN r.i % 10 = 0 THEN initcap(${words}[1 + floor(r.w1 * ${WORDS.length})::integer])
          ELSE ${words}[1 + floor(r.w1 * ${WORDS.length})::integer] END)
          || '-' || ${words}[1 + floor(r.w2 * ${WORDS.length})::integer]
          || '-' || lpad(r.i::text, 7, '0') AS name
    ) AS b
    CROSS JOIN LATERAL (SELECT b.*, ${health.replaceAll('g.status', 'b.status')} AS health) AS g`;
}
