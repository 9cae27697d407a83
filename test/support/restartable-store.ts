import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from './eventually';
import { ensureFerretDb, findOnPath, freePort, mongoReachable, redisReachable } from './services';

/** A store of the test's own, on a fixed loopback port, that it can stop and start again. */
export interface RestartableStore {
  /** `redis://…` or `mongodb://…/`, the same across restarts. */
  url: string;
  /** SIGTERM, as an orderly shutdown; resolves once the process is gone. */
  stop(): Promise<void>;
  /** Starts it again (unless it runs) on the same port and data directory; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  dispose(): Promise<void>;
}

function restartable(
  name: string,
  bin: string,
  args: string[],
  dir: string,
  url: string,
  ready: () => Promise<boolean>,
): RestartableStore {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    child = undefined;
  };
  return {
    url,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      const log = fs.openSync(path.join(dir, `${name}.log`), 'a');
      const started = spawn(bin, args, { stdio: ['ignore', log, log] });
      fs.closeSync(log);
      child = started;
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      await eventually(
        `${name} to answer at ${url}`,
        async () => {
          if (started.exitCode !== null) throw new Error(`${name} exited at start`);
          return (await ready()) ? true : undefined;
        },
        20_000,
      );
    },
    stop,
    async dispose() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A redis-server with AOF on (as docker-compose runs it), so queued jobs survive a restart. */
export async function startOwnRedis(): Promise<RestartableStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'countersign-own-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  // Found on PATH as the test setup finds it, not at one distribution's path.
  const bin = findOnPath('redis-server');
  if (bin === undefined)
    throw new Error('redis-server is not installed: apt-get install redis-server');
  const store = restartable(
    'redis-server',
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes'].concat([
      '--dir',
      dir,
    ]),
    dir,
    url,
    () => redisReachable(url, 500),
  );
  await store.start();
  return store;
}

/** FerretDB with its SQLite handler in its own data directory, as the test setup runs it. */
export async function startOwnFerretDb(): Promise<RestartableStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'countersign-own-ferretdb-'));
  fs.mkdirSync(path.join(dir, 'data'));
  const port = await freePort();
  const url = `mongodb://127.0.0.1:${port}/`;
  // Built on first use, like the test setup's own (a machine with a real MongoDB may lack it).
  const bin = await ensureFerretDb();
  const store = restartable(
    'ferretdb',
    bin,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/data/`,
      `--state-dir=${dir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=ERROR',
    ],
    dir,
    url,
    () => mongoReachable(url, 1000),
  );
  await store.start();
  return store;
}
