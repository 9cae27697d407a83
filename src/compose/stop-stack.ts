/** How long a stop may still take: what is left of SHUTDOWN_TIMEOUT_MS, in ms. */
export type TimeLeft = () => number;

/** Stops one started piece; `left` is what remains of the shutdown's time. */
export type Stop = (left: TimeLeft) => Promise<void> | void;

export interface StopStack {
  /** Registers what undoes the piece just started: it runs before every stop pushed earlier. */
  push(stop: Stop): void;
  /** Runs every stop, the last pushed first, one after another, sharing one deadline. */
  stopAll(): Promise<void>;
}

/**
 * The service's shutdown, in reverse order of start: what was started last (the doors new work
 * comes in by) is stopped first, and what everything else uses (the stores) last.
 */
export function stopStack(timeoutMs: number, now: () => number = Date.now): StopStack {
  const stops: Stop[] = [];
  return {
    push(stop) {
      stops.push(stop);
    },
    async stopAll() {
      const deadline = now() + timeoutMs;
      const left = () => Math.max(0, deadline - now());
      while (stops.length > 0) await stops.pop()?.(left);
    },
  };
}
