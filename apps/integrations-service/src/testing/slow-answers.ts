import type { ServerResponse } from 'node:http';

/**
 * A fake server's slow answers: `wait` holds a response back for `delayMs` (0: not at all), or
 * until its client gives up and the connection closes; `clear` forgets every pending wait (at
 * the fake's close).
 */
export class SlowAnswers {
  private readonly pending = new Set<NodeJS.Timeout>();

  wait(response: ServerResponse, delayMs: number): Promise<void> {
    if (delayMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, delayMs);
      this.pending.add(timer);
      // A client that gave up: answer nothing, and forget the timer.
      response.once('close', () => {
        clearTimeout(timer);
        this.pending.delete(timer);
        resolve();
      });
    });
  }

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
