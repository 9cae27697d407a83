import { execFile } from 'node:child_process';

export interface CommandSpec {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  /** Bytes of stdout+stderr kept; the rest is cut, with a marker. @defaultValue 65536 */
  outputLimit?: number;
}

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  output: string;
}

/**
 * Runs argv directly, never through a shell, so arguments cannot smuggle in shell syntax.
 * The child gets only PATH and the variables the manifest names, not the service's environment.
 */
export function runCommand(spec: CommandSpec): Promise<CommandResult> {
  const limit = spec.outputLimit ?? 65_536;
  const [file, ...args] = spec.argv;
  if (file === undefined) return Promise.reject(new Error('argv is empty'));
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: spec.cwd,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env },
        timeout: spec.timeoutMs,
        maxBuffer: limit,
        killSignal: 'SIGKILL',
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        const combined = `${stdout}${stderr}`;
        const output =
          combined.length > limit ? `${combined.slice(0, limit)}\n…(output cut)` : combined;
        if (error === null) return resolve({ exitCode: 0, signal: null, timedOut: false, output });
        const failure = error as NodeJS.ErrnoException & {
          code?: number | string;
          killed?: boolean;
          signal?: string;
        };
        if (typeof failure.code === 'string') {
          // Spawn failure (ENOENT, EACCES): the command never ran.
          return resolve({
            exitCode: null,
            signal: null,
            timedOut: false,
            output: `${file}: ${failure.code}`,
          });
        }
        resolve({
          exitCode: typeof failure.code === 'number' ? failure.code : null,
          signal: failure.signal ?? null,
          timedOut: failure.killed === true && failure.signal === 'SIGKILL',
          output,
        });
      },
    );
  });
}
