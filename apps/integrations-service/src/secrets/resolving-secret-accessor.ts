import type { SecretAccessor } from '@stellaops/integrations-plugin-abstractions';

/** A plugin's `secrets`, plus what the host needs to keep the resolved values out of its logs. */
export interface ResolvingSecretAccessor extends SecretAccessor {
  /** Every value this accessor has handed out so far, for redaction. */
  resolvedValues(): readonly string[];
}
