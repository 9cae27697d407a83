import { workInProgress } from '../shared/work-in-progress';

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
  const running = workInProgress();
  return {
    track: (processor) => {
      // Three declared parameters, as BullMQ's processor has: a wrapper of arity 0 would change
      // how BullMQ calls it (a shutdown's cancellation never reached the step).
      const tracked = (job: unknown, token: unknown, signal: unknown) => {
        const work = processor(...([job, token, signal] as Parameters<typeof processor>));
        running.add(work);
        return work;
      };
      return tracked as unknown as typeof processor;
    },
    idle: () => running.idle(),
  };
}
