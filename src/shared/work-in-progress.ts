/** Work a process has under way, for a shutdown to wait for before it closes what that work uses. */
export interface WorkInProgress {
  /** Counts `work` until it settles. */
  add(work: Promise<unknown>): void;
  /** Resolves once nothing counted is under way, work added meanwhile included. */
  idle(): Promise<void>;
}

export function workInProgress(): WorkInProgress {
  const running = new Set<Promise<unknown>>();
  return {
    add(work) {
      running.add(work);
      const done = () => running.delete(work);
      work.then(done, done);
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
