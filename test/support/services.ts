// Provides real Redis and a MongoDB-protocol server (FerretDB) for tests, CI and local dev.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import mongoose from 'mongoose';

const execFileP = promisify(execFile);

export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface ProvideOptions {
  /** Redis to try first; defaults to $REDIS_URL, then redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** MongoDB to try first; defaults to $MONGODB_URI. */
  mongoUri?: string;
  /** Progress lines; defaults to stderr. */
  log?: (line: string) => void;
  /**
   * A folder that keeps the data of the servers started here across restarts (`npm run dev`);
   * without one, each server gets a temporary folder, removed when it stops.
   */
  dataDir?: string;
}

export interface ProvidedService {
  url: string;
  /** Human-readable descriptions of processes started (empty when an existing server is used). */
  started: string[];
  stop(): Promise<void>;
}

export interface Services {
  redisUrl: string;
  mongoUri: string;
  started: string[];
  stop(): Promise<void>;
}

const defaultLog = (line: string): void => {
  process.stderr.write(`countersign: ${line}\n`);
};

export async function provideServices(opts: ProvideOptions = {}): Promise<Services> {
  const redis = await provideRedis(opts);
  let mongo: ProvidedService;
  try {
    mongo = await provideMongo(opts);
  } catch (err) {
    await redis.stop();
    throw err;
  }
  return {
    redisUrl: redis.url,
    mongoUri: mongo.url,
    started: [...redis.started, ...mongo.started],
    async stop() {
      await Promise.all([mongo.stop(), redis.stop()]);
    },
  };
}

// ---------------------------------------------------------------- Redis

/** Sends AUTH (if the URL has credentials) and PING over a raw socket; true on +PONG. */
export function redisReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  // A raw socket, because a failed ioredis connect leaves timers that delay process exit.
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  const tlsWanted = u.protocol === 'rediss:';
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(u.port) || 6379;
  const resp = (args: string[]): string =>
    `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  let payload = '';
  if (u.password) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    payload += resp(user ? ['AUTH', user, pass] : ['AUTH', pass]);
  }
  payload += resp(['PING']);
  return new Promise((resolve) => {
    const socket = tlsWanted
      ? tls.connect({ host, port, servername: host })
      : net.connect({ host, port });
    let buf = '';
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once(tlsWanted ? 'secureConnect' : 'connect', () => socket.write(payload));
    socket.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      if (buf.includes('+PONG\r\n')) finish(true);
      else if (buf.split('\r\n').length > (u.password ? 2 : 1)) finish(false);
    });
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}

export async function provideRedis(opts: ProvideOptions = {}): Promise<ProvidedService> {
  const log = opts.log ?? defaultLog;
  const explicit = opts.redisUrl ?? process.env.REDIS_URL;
  const wanted = explicit || DEFAULT_REDIS_URL;
  if (await redisReachable(wanted)) {
    return { url: wanted, started: [], stop: async () => {} };
  }
  const bin = findOnPath('redis-server');
  if (!bin) {
    throw new Error(
      `Redis is not reachable at ${redact(wanted)} and redis-server is not installed: ` +
        'apt-get install redis-server, or set REDIS_URL',
    );
  }
  if (explicit) log(`Redis not reachable at ${redact(wanted)}; starting redis-server`);
  const dir = serverDir(opts.dataDir, 'redis');
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  // Kept data is written as it changes (append-only file); a temporary server writes nothing.
  const appendOnly = opts.dataDir !== undefined ? 'yes' : 'no';
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly'];
  return startServer({
    name: 'redis-server',
    bin,
    args: [...args, appendOnly, '--dir', dir],
    dir,
    keep: opts.dataDir !== undefined,
    url,
    ready: () => redisReachable(url, 500),
    timeoutMs: 10_000,
    describe: (pid) => `redis-server (pid ${pid}) on 127.0.0.1:${port}`,
  });
}

// ---------------------------------------------------------------- MongoDB / FerretDB

export async function mongoReachable(uri: string, timeoutMs = 2000): Promise<boolean> {
  let conn: mongoose.Connection | undefined;
  try {
    conn = mongoose.createConnection(uri, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
    });
    await conn.asPromise();
    await conn.db?.admin().ping();
    return true;
  } catch {
    return false;
  } finally {
    await conn?.close().catch(() => {});
  }
}

export async function provideMongo(opts: ProvideOptions = {}): Promise<ProvidedService> {
  const log = opts.log ?? defaultLog;
  const wanted = opts.mongoUri ?? process.env.MONGODB_URI;
  if (wanted) {
    if (await mongoReachable(wanted)) return { url: wanted, started: [], stop: async () => {} };
    log(`MongoDB not reachable at ${redact(wanted)}; starting FerretDB ${FERRETDB_VERSION}`);
  }
  const bin = await ensureFerretDb(log);
  const dir = serverDir(opts.dataDir, 'ferretdb');
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const port = await freePort();
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/data/`,
    `--state-dir=${dir}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    // WARN logs every error reply (e.g. duplicate keys), which floods the log.
    '--log-level=ERROR',
  ];
  const url = `mongodb://127.0.0.1:${port}/`;
  return startServer({
    name: 'FerretDB',
    bin,
    args,
    dir,
    url,
    ready: () => mongoReachable(url, 1000),
    timeoutMs: 20_000,
    keep: opts.dataDir !== undefined,
    describe: (pid) => `ferretdb ${FERRETDB_VERSION} (pid ${pid}) on 127.0.0.1:${port}`,
  });
}

export function cacheDir(): string {
  return process.env.COUNTERSIGN_CACHE_DIR || path.join(os.homedir(), '.cache', 'countersign');
}

export function ferretDbPath(): string {
  return path.join(cacheDir(), `ferretdb-${FERRETDB_VERSION}`, 'ferretdb');
}

/** Returns the path of a working FerretDB binary, building it from source on first use. */
export async function ensureFerretDb(log: (line: string) => void = defaultLog): Promise<string> {
  const bin = ferretDbPath();
  if (isExecutable(bin)) return bin;
  const go = findGo();
  if (!go) {
    throw new Error(
      'MongoDB is not available: set MONGODB_URI to a reachable server, or install Go >= 1.24 ' +
        `(https://go.dev/dl/) so FerretDB ${FERRETDB_VERSION} can be built`,
    );
  }
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const release = await acquireLock(`${path.dirname(bin)}.lock`, bin, log);
  try {
    // Another process may have finished the build while we waited for the lock.
    if (isExecutable(bin)) return bin;
    await buildFerretDb(go, bin, log);
    return bin;
  } finally {
    release();
  }
}

async function buildFerretDb(go: string, bin: string, log: (line: string) => void): Promise<void> {
  log(`building FerretDB ${FERRETDB_VERSION} (first run only, ~2 min)…`);
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'countersign-ferretdb-build-'));
  // cgo is not needed (pure-Go SQLite) and would require a C compiler.
  const env = { ...process.env, CGO_ENABLED: '0' };
  try {
    log(`downloading ${FERRETDB_MODULE}@${FERRETDB_VERSION} source…`);
    const dl = await run(
      go,
      ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`],
      {
        cwd: work,
        env,
      },
    );
    const dir = (JSON.parse(dl) as { Dir?: string }).Dir;
    if (!dir) throw new Error(`go mod download printed no Dir: ${dl.slice(0, 500)}`);
    const src = path.join(work, 'src');
    fs.cpSync(dir, src, { recursive: true });
    makeWritable(src);
    // version.txt is normally generated by FerretDB's release tooling; without it the binary panics.
    fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    log('compiling FerretDB…');
    const tmpBin = `${bin}.tmp-${process.pid}`;
    await run(go, ['build', '-o', tmpBin, './cmd/ferretdb'], { cwd: src, env });
    const version = await run(tmpBin, ['--version'], { cwd: work, env });
    if (!version.includes(FERRETDB_VERSION)) {
      fs.rmSync(tmpBin, { force: true });
      throw new Error(`built FerretDB reports an unexpected version: ${version.trim()}`);
    }
    fs.renameSync(tmpBin, bin);
    log(
      `FerretDB ${FERRETDB_VERSION} built in ${Math.round((Date.now() - started) / 1000)} s: ${bin}`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function acquireLock(
  lockPath: string,
  bin: string,
  log: (line: string) => void,
): Promise<() => void> {
  const deadline = Date.now() + 15 * 60_000;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockIsStale(lockPath)) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (isExecutable(bin)) return () => {};
    if (Date.now() > deadline) throw new Error(`timed out waiting for build lock ${lockPath}`);
    if (!announced) {
      log(`waiting for another process building FerretDB (lock ${lockPath})…`);
      announced = true;
    }
    await sleep(1000);
  }
}

function lockIsStale(lockPath: string): boolean {
  try {
    const pid = Number(fs.readFileSync(lockPath, 'utf8').trim());
    if (!pid) {
      // The holder may not have written its pid yet; only an old empty lock is stale.
      return Date.now() - fs.statSync(lockPath).mtimeMs > 30_000;
    }
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // ESRCH: holder is gone; ENOENT: lock just released. EPERM means it is alive.
    return (err as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

function makeWritable(p: string): void {
  const st = fs.statSync(p);
  fs.chmodSync(p, st.mode | 0o200);
  if (st.isDirectory()) {
    for (const entry of fs.readdirSync(p)) makeWritable(path.join(p, entry));
  }
}

function findGo(): string | undefined {
  const onPath = findOnPath('go');
  if (onPath) return onPath;
  const candidates = [
    process.env.GOROOT && path.join(process.env.GOROOT, 'bin', 'go'),
    '/usr/local/go/bin/go',
  ];
  return candidates.find((c): c is string => !!c && isExecutable(c));
}

// ---------------------------------------------------------------- process helpers

interface Child {
  pid: number | undefined;
  exited: () => boolean;
  logTail: () => string;
  stop(): Promise<void>;
}

const liveChildren = new Set<ChildProcess>();
// Last resort so an aborted run does not leave servers behind.
const killLiveChildren = (): void => {
  for (const c of liveChildren) c.kill('SIGKILL');
};

function startChild(bin: string, args: string[], logFile: string): Child {
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  if (liveChildren.size === 0) process.on('exit', killLiveChildren);
  liveChildren.add(child);
  let exited = false;
  const done = new Promise<void>((resolve) => {
    const finish = (): void => {
      exited = true;
      liveChildren.delete(child);
      if (liveChildren.size === 0) process.off('exit', killLiveChildren);
      resolve();
    };
    child.once('exit', finish);
    child.once('error', (err) => {
      fs.appendFileSync(logFile, `spawn failed: ${err.message}\n`);
      finish();
    });
  });
  // Servers must not keep the parent alive on their own.
  child.unref();
  return {
    pid: child.pid,
    exited: () => exited,
    logTail: () => tail(logFile, 20),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** `<dataDir>/<name>`, made if needed, to keep; else a new temporary folder. */
function serverDir(dataDir: string | undefined, name: string): string {
  if (dataDir === undefined) return fs.mkdtempSync(path.join(os.tmpdir(), `countersign-${name}-`));
  const dir = path.join(dataDir, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Starts a server in `dir` (logging to `<dir>/server.log`), waits until it is ready, and returns
 * a handle whose stop() kills it and removes `dir` (unless `keep`); on a failed start it cleans
 * up and throws. */
async function startServer(spec: {
  name: string;
  bin: string;
  args: string[];
  dir: string;
  keep?: boolean;
  url: string;
  ready: () => Promise<boolean>;
  timeoutMs: number;
  describe: (pid: number | undefined) => string;
}): Promise<ProvidedService> {
  const child = startChild(spec.bin, spec.args, path.join(spec.dir, 'server.log'));
  const stop = async (): Promise<void> => {
    await child.stop();
    if (!spec.keep) fs.rmSync(spec.dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(spec.name, child, spec.ready, spec.timeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: spec.url, started: [spec.describe(child.pid)], stop };
}

async function waitUntil(
  name: string,
  child: Child,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exited()) {
      throw new Error(`${name} exited during startup; log tail:\n${child.logTail()}`);
    }
    if (await ready()) return;
    await sleep(200);
  }
  throw new Error(
    `${name} did not accept connections within ${timeoutMs / 1000} s; log tail:\n${child.logTail()}`,
  );
}

async function run(
  cmd: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<string> {
  try {
    const { stdout } = await execFileP(cmd, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${e.message}\n${out}`);
  }
}

export function findOnPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('could not allocate a free port'));
      });
    });
  });
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Hides credentials in URLs printed to logs. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
