/**
 * The jobs whose processor runs in this process. A shutdown waits for these itself: BullMQ's own
 * wait goes through Redis, and hangs while Redis is down.
 */
export interface JobsInProgress {
  /** `processor`, counted while each of its calls runs. */
  track<A extends unknown[], R>(processor: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
  /** Resolves once no tracked call runs. */
  idle(): Promise<void>;
}

export function jobsInProgress(): JobsInProgress {
  const running = new Set<Promise<unknown>>();
  return {
    track:
      (processor) =>
      (...args) => {
        const work = processor(...args);
        running.add(work);
        const done = () => running.delete(work);
        work.then(done, done);
        return work;
      },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
