import { type ChildProcess, spawn } from 'node:child_process';
import { killProcessGroup } from './kill-process-group';

export interface CommandSpec {
  argv: string[];
  /** Extra variables for the child; it gets these and PATH, nothing else from the service. */
  env?: Record<string, string>;
  cwd?: string;
  /** After this the whole process group is killed, so a hung tool cannot hold a worker forever. */
  timeoutMs: number;
  /** Bytes of stdout+stderr kept; the rest is drained and dropped, with a marker. @defaultValue 65536 */
  outputLimit?: number;
  /** Aborting kills the whole process group, e.g. when the worker shuts down. @defaultValue none */
  signal?: AbortSignal;
}

export interface CommandResult {
  /** Null when killed by a signal or when the command never ran. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** True when `spec.signal` aborted the command (before or while it ran). */
  aborted: boolean;
  /** stdout and stderr interleaved in arrival order, cut at `outputLimit` bytes. */
  output: string;
  /** Set when the command could not be started (ENOENT, EACCES): it never ran. */
  spawnError?: string;
}

/** How long to wait for the pipes to close after the child exits; a straggler may hold them. */
const CLOSE_GRACE_MS = 1_000;

/** Keeps the first `limit` bytes of what the child writes, and counts the rest. */
function keptOutput(limit: number) {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let droppedBytes = 0;
  return {
    onData(chunk: Buffer): void {
      // Keep reading past the limit: a child writing to a full pipe would block forever.
      const take = Math.min(chunk.length, Math.max(0, limit - keptBytes));
      if (take > 0) {
        kept.push(chunk.subarray(0, take));
        keptBytes += take;
      }
      droppedBytes += chunk.length - take;
    },
    text(): string {
      const output = Buffer.concat(kept, keptBytes).toString('utf8');
      return droppedBytes > 0
        ? `${output}\n…(output cut: ${droppedBytes} bytes not shown)`
        : output;
    },
  };
}

/** Kills the child's process group at the timeout or on abort, and remembers which it was. */
function watchChild(child: ChildProcess, timeoutMs: number, signal: AbortSignal | undefined) {
  const state = { timedOut: false, aborted: false, stop };
  const onAbort = (): void => {
    state.aborted = true;
    killProcessGroup(child);
  };
  const timer = setTimeout(() => {
    state.timedOut = true;
    killProcessGroup(child);
  }, timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  function stop(): void {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  return state;
}

const notRun = (fields: Partial<CommandResult>): CommandResult => ({
  exitCode: null,
  signal: null,
  timedOut: false,
  aborted: false,
  output: '',
  ...fields,
});

/**
 * Runs argv directly, never through a shell, so arguments cannot smuggle in shell syntax.
 * The child gets only PATH and the variables the manifest names, not the service's environment.
 * It leads its own process group, so a timeout or abort also kills whatever it started.
 */
export function runCommand(spec: CommandSpec): Promise<CommandResult> {
  const [file, ...args] = spec.argv;
  if (file === undefined) return Promise.reject(new Error('argv is empty'));
  if (spec.signal?.aborted) return Promise.resolve(notRun({ aborted: true }));
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: spec.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const output = keptOutput(spec.outputLimit ?? 65_536);
    child.stdout?.on('data', output.onData);
    child.stderr?.on('data', output.onData);
    const watch = watchChild(child, spec.timeoutMs, spec.signal);
    let exit: { code: number | null; signal: string | null } | undefined;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (result: CommandResult): void => {
      if (settled) return;
      settled = true;
      watch.stop();
      clearTimeout(graceTimer);
      resolve(result);
    };
    const finishRan = (): void => {
      const { timedOut, aborted } = watch;
      const [exitCode, signal] = [exit?.code ?? null, exit?.signal ?? null];
      finish({ exitCode, signal, timedOut, aborted, output: output.text() });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // With no kill() or IPC on the child, 'error' means it could not be spawned.
      if (exit !== undefined) return;
      const code = error.code ?? 'ERROR';
      finish(notRun({ output: `${file}: ${code}`, spawnError: code }));
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // The command is done; a timeout or abort now would misreport how it ended.
      watch.stop();
      // A process that left the group (or survived it) may keep our pipes open; don't wait on it.
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finishRan();
      }, CLOSE_GRACE_MS);
    });
    child.on('close', (code, signal) => {
      exit ??= { code, signal };
      finishRan();
    });
  });
}
