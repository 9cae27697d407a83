import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eventually } from '../test/support/eventually';

const root = path.join(__dirname, '..');

export type Role = 'serve' | 'worker' | 'all';

/** `countersign <role>` in its own OS process (through tsx), as it runs in production. */
export interface CountersignProcess {
  role: Role;
  child: ChildProcess;
  /** Its HTTP port: the Slack receiver for `serve`/`all`, health and metrics for `worker`. */
  port: number;
  /** Resident set size and V8 heap in use, in bytes, from its own /metrics. */
  memory(): Promise<{ rss: number; heapUsed: number }>;
  /** SIGKILL, like a crash; resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, a graceful stop; SIGKILL if it takes longer than 20 s. */
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 now: the process is told it, since at LOG_LEVEL warn it does not say. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1));
}

export async function startCountersign(
  role: Role,
  env: Record<string, string>,
): Promise<CountersignProcess> {
  const started = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), role], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(started),
    },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventually(
    `countersign ${role} to start`,
    async () => {
      if (child.exitCode !== null) throw new Error(`countersign ${role} exited: ${stderr}`);
      const ready = await fetch(`http://127.0.0.1:${started}/healthz`).catch(() => undefined);
      return ready?.ok ? true : undefined;
    },
    60_000,
  );
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    role,
    child,
    port: started,
    async memory() {
      const text = await (await fetch(`http://127.0.0.1:${started}/metrics`)).text();
      return {
        rss: metric(text, 'countersign_process_resident_memory_bytes'),
        heapUsed: metric(text, 'countersign_nodejs_heap_size_used_bytes'),
      };
    },
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
