/**
 * Requests waiting in this process for an approval's decision: a decision taken here (a click on
 * this server) wakes them at once; one taken in another process is seen by their polling.
 */
export interface Waiters {
  /** Resolves when `id` is woken or `ms` have passed, whichever is first. */
  sleep(id: string, ms: number): Promise<void>;
  wake(id: string): void;
}

export function waiters(): Waiters {
  const waiting = new Map<string, Set<() => void>>();
  return {
    sleep(id, ms) {
      return new Promise((resolve) => {
        const set = waiting.get(id) ?? new Set();
        waiting.set(id, set);
        const done = () => {
          clearTimeout(timer);
          set.delete(done);
          if (set.size === 0) waiting.delete(id);
          resolve();
        };
        const timer = setTimeout(done, ms);
        set.add(done);
      });
    },
    wake(id) {
      for (const done of [...(waiting.get(id) ?? [])]) done();
    },
  };
}
