import {
  MAX_HEALTH_CHECK_INTERVAL_SECONDS,
  MIN_HEALTH_CHECK_INTERVAL_SECONDS,
} from '@stellaops/integrations-core';

/** The size limits of the v1 HTTP contract, shared by the DTOs and their documentation. */
export const ContractLimits = {
  nameMaxLength: 200,
  /** Types and providers are short identifiers such as `scm` or `github-app`. */
  identifierMaxLength: 64,
  endpointMaxLength: 2048,
  minHealthCheckIntervalSeconds: MIN_HEALTH_CHECK_INTERVAL_SECONDS,
  maxHealthCheckIntervalSeconds: MAX_HEALTH_CHECK_INTERVAL_SECONDS,
  maxTags: 50,
  tagMaxLength: 64,
  maxCredentialSlots: 32,
  /**
   * A search needs three characters: the trigram index cannot find a shorter string, so a
   * one- or two-letter search would read every registration of the tenant.
   */
  queryMinLength: 3,
  queryMaxLength: 200,
  cursorMaxLength: 1024,
  defaultListLimit: 50,
  maxListLimit: 500,
  defaultHistoryLimit: 20,
  maxHistoryLimit: 100,
  /** Levels of objects and arrays a JSON body may nest (the body itself is level 1). */
  maxJsonDepth: 32,
  defaultEventLimit: 100,
  maxEventLimit: 500,
  defaultAuditLimit: 100,
  maxAuditLimit: 500,
  /** Action names are short dotted identifiers such as `integration.health-check`. */
  actionPrefixMaxLength: 64,
} as const;
