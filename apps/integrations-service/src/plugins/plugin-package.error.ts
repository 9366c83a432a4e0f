/** A plugin package could not be loaded; the message says why and what to do. */
export class PluginPackageError extends Error {
  override readonly name = 'PluginPackageError';
}
