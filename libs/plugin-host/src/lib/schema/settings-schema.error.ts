/** A manifest's settings schema cannot be used: its dialect is not supported or it does not compile. */
export class SettingsSchemaError extends Error {
  override readonly name = 'SettingsSchemaError';
}
