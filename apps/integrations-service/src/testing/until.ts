/**
 * Waits until `condition` holds, checking every `everyMs`; throws naming `what` after
 * `timeoutMs`. Returns how long it waited, in milliseconds.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'the condition',
  everyMs = 20,
): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return Date.now() - started;
}
