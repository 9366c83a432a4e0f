import type { SecretAccessor } from '@stellaops/integrations-plugin-abstractions';

/** A plugin's `secrets`, plus what the host needs to keep the resolved values out of its logs. */
export interface ResolvingSecretAccessor extends SecretAccessor {
  /**
   * What to redact: every value this accessor has handed out so far (and the secret settings'
   * values the plugin was given with it), each with the encoded forms it may travel in
   * (`redactionForms`: base64, Basic auth, URL- and JSON-encoded).
   */
  resolvedValues(): readonly string[];
}
