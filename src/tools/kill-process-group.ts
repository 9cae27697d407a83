import type { ChildProcess } from 'node:child_process';

/** SIGKILLs the child's process group (it was spawned detached, so it leads one). */
export function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch (error) {
    // ESRCH: the group is already gone. Anything else: at least kill the direct child.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') child.kill('SIGKILL');
  }
}
