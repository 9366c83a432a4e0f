/**
 * Families of variables that configure the service, its runtime, its database client or the
 * cloud identity of the machine it runs on. A tenant's reference to one of them would hand the
 * service's own keys to an endpoint the tenant chose, so none can be allowed, whatever
 * SECRETS_ENV_ALLOW says. Compared upper-cased: some platforms' environments ignore case.
 */
const SERVICE_VARIABLE_PREFIXES: readonly string[] = [
  'AUDIT_',
  'AUTH_',
  'AUTHORITY_',
  'AWS_',
  'AZURE_',
  'CREDENTIALS_',
  'DATABASE_',
  'DYLD_',
  'EMBEDDED_',
  'EVENTS_',
  'GCE_',
  'GOOGLE_',
  'HEALTH_',

  'INTEGRATIONS_',
  'KUBERNETES_',
  'LC_',
  'LD_',
  'LOG_',
  'METRICS_',
  'NATS_',
  'NEST_',
  'NODE_',
  'NPM_',
  'NX_',
  'OTEL_',
  'OUTBOUND_',
  'PGSSL',
  'PLUGINS_',
  'SECRETS_',
  'SSL_',
  'TEST_',
  'VAULT_',
];

/** Single variables of the service, its runtime and the PostgreSQL client (libpq's names). */
const SERVICE_VARIABLE_NAMES: ReadonlySet<string> = new Set([
  'ALL_PROXY',
  'BODY_LIMIT_BYTES',
  'CHECK_TIMEOUT_MS',
  'DATA_DIR',
  'HEADERS_TIMEOUT_MS',
  'HOME',
  'HOST',
  'HOSTNAME',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'KEEP_ALIVE_TIMEOUT_MS',
  'LANG',
  'LANGUAGE',
  'LOGNAME',
  'LOG_LEVEL',
  'NO_COLOR',
  'NO_PROXY',
  'OLDPWD',
  'PATH',
  'PGAPPNAME',
  'PGCLIENTENCODING',
  'PGCONNECT_TIMEOUT',
  'PGDATABASE',
  'PGDATA',
  'PGHOST',
  'PGHOSTADDR',
  'PGOPTIONS',
  'PGPASSFILE',
  'PGPASSWORD',
  'PGPORT',
  'PGSERVICE',
  'PGSERVICEFILE',
  'PGTZ',
  'PGUSER',
  'PORT',
  'PRINT_TOKEN',
  'PWD',
  'REQUEST_TIMEOUT_MS',
  'SHELL',
  'TEMP',
  'TERM',
  'TMP',
  'TMPDIR',
  'TZ',
  'USER',
  'USERNAME',
  'UV_THREADPOOL_SIZE',
]);

/** Whether `name` is one of the service's own variables, which no tenant may reference. */
export function isServiceVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return (
    SERVICE_VARIABLE_NAMES.has(upper) ||
    SERVICE_VARIABLE_PREFIXES.some((prefix) => upper.startsWith(prefix))
  );
}

/**
 * The service's variables (single names, and families as `PREFIX*`) that an allow-list prefix
 * would match, sorted: what SECRETS_ENV_ALLOW would hand out were they not refused anyway.
 */
export function serviceVariablesMatching(prefix: string): string[] {
  const upper = prefix.toUpperCase();
  const names = [...SERVICE_VARIABLE_NAMES].filter((name) => name.startsWith(upper));
  const families = SERVICE_VARIABLE_PREFIXES.filter(
    (family) => family.startsWith(upper) || upper.startsWith(family),
  ).map((family) => `${family}*`);
  return [...names, ...families].sort();
}
