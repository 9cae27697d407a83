import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '../test/support/eventually';
import { CLAUDE_CODE_MANIFEST, issueToken, preToolUse } from '../test/support/gateway';
import { startCountersign } from './countersign-process';
import { startDeployment } from './deployment';
import { startMongoCommandCounter } from './mongo-command-counter';
import { type Figure, inParallel, percentile, round } from './stats';

const root = path.join(__dirname, '..');
const WARMUP = 100;
const SEQUENTIAL = 600;
/** Calls of a real session are seconds apart: these come 20 ms apart, after the last answer. */
const SPACED = 300;
const SPACING_MS = 20;
const SESSIONS = 50;
const CONCURRENT = 2_000;
const COUNTED = 200;
const PROCESSES = 25;

/** What both servers answer: Claude Code's PreToolUse allow. */
const ALLOW = JSON.stringify({
  hookSpecificOutput: {
    hookEventName: 'PreToolUse',
    permissionDecision: 'allow',
    permissionDecisionReason: 'allowed',
  },
});

/** The baseline server: reads the body, parses it, answers allow. Nothing else. */
const BARE_SERVER = `const http = require('node:http');
http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    JSON.parse(body);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(${JSON.stringify(ALLOW)});
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

/** The baseline command hook: reads stdin, parses it, prints allow. */
const BARE_HOOK = `let body = '';
process.stdin.on('data', (chunk) => (body += chunk)).on('end', () => {
  JSON.parse(body);
  process.stdout.write(${JSON.stringify(ALLOW)} + '\\n');
});`;

const agent = new http.Agent({ keepAlive: true, maxSockets: SESSIONS });

/** One hook request as Claude Code's http hook sends it; resolves with its time in ms. */
function ask(url: string, token: string, body: string): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          if (!text.includes('"permissionDecision":"allow"')) {
            reject(new Error(`not allowed (HTTP ${res.statusCode}): ${text}`));
            return;
          }
          resolve(Number(process.hrtime.bigint() - started) / 1e6);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A low-risk call (allowed by the rule Read) of `session`, as PreToolUse's JSON. */
function readCall(session: string, n: number): string {
  return JSON.stringify(
    preToolUse(
      'Read',
      { file_path: `/work/app/src/file-${n}.ts` },
      { session_id: session, tool_use_id: `toolu_bench_${session}_${n}` },
    ),
  );
}

/** Runs `command` with `input` on stdin to its end; its time in ms (spawn to exit). */
function runOnce(
  command: string,
  args: string[],
  env: Record<string, string>,
  input: string,
): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || !out.includes('"permissionDecision":"allow"')) {
        reject(new Error(`hook exited ${code}: ${out}${err}`));
        return;
      }
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
    child.stdin.end(input);
  });
}

/** The CLI as it ships (`npm run build`: dist/bin.js, the package's binary, beside package.json), in a temp dir. */
async function buildCli(): Promise<{ dir: string; main: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-bench-cli-'));
  await promisify(execFile)(
    process.execPath,
    [
      path.join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      path.join(root, 'tsconfig.build.json'),
      '--outDir',
      path.join(dir, 'dist'),
    ],
    { cwd: root },
  );
  await copyFile(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  return { dir, main: path.join(dir, 'dist/bin.js') };
}

/** The server's own histogram of allowed decisions: count and sum (s), from its /metrics. */
async function serverSide(port: number): Promise<{ count: number; sum: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name: string) =>
    Number(
      text
        .split('\n')
        .find((line) => line.startsWith(`${name}{client="claude-code",outcome="allowed"}`))
        ?.split(' ')
        .at(-1) ?? 0,
    );
  return {
    count: value('countersign_gateway_decision_seconds_count'),
    sum: value('countersign_gateway_decision_seconds_sum'),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stats = (samples: number[]) => ({
  p50: round(percentile(samples, 50), 2),
  p90: round(percentile(samples, 90), 2),
  p99: round(percentile(samples, 99), 2),
  max: round(percentile(samples, 100), 2),
});

/** Decisions per second with `SESSIONS` sessions asking at once, `CONCURRENT` in all. */
async function perSecond(url: string, token: string, tag: string): Promise<number> {
  const perSession = CONCURRENT / SESSIONS;
  const started = process.hrtime.bigint();
  await inParallel(Array.from({ length: SESSIONS }), SESSIONS, async (_item, lane) => {
    for (let n = 0; n < perSession; n += 1) {
      await ask(url, token, readCall(`${tag}-${lane}`, n));
    }
  });
  return CONCURRENT / (Number(process.hrtime.bigint() - started) / 1e9);
}

/**
 * Allowed-call decisions of the Claude Code gateway (a Read, allowed by the rule `Read`, its
 * audit event written before the answer) beside a bare Node server that answers allow, both in
 * their own process: one at a time, then 50 sessions at once; the same through the command hook
 * (a process per call) beside a bare `node -e`; and MongoDB commands per decision.
 */
export async function gatewayLatency(): Promise<{ figures: Figure[]; details: object }> {
  const d = await startDeployment('gateway', {
    workflows: { 'claude-code.yaml': CLAUDE_CODE_MANIFEST },
    front: 'serve',
  });
  const bare = spawn(process.execPath, ['-e', BARE_SERVER], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let cli: { dir: string; main: string } | undefined;
  try {
    let barePortText = '';
    bare.stdout?.on('data', (chunk) => (barePortText += chunk));
    const barePort = await eventually(
      'the bare server to listen',
      async () => /^\d+/.exec(barePortText)?.[0],
    );
    const bareUrl = `http://127.0.0.1:${barePort}/gateway/claude-code`;
    const url = `http://127.0.0.1:${d.front.port}/gateway/claude-code`;
    const { text: token } = await issueToken(d);

    // One at a time, the two servers in turn, so both see the same moments of a shared machine.
    for (let n = 0; n < WARMUP; n += 1) {
      await ask(url, token, readCall('warmup', n));
      await ask(bareUrl, token, readCall('warmup', n));
    }
    const before = await serverSide(d.front.port);
    const countersign: number[] = [];
    const baseline: number[] = [];
    for (let n = 0; n < SEQUENTIAL; n += 1) {
      countersign.push(await ask(url, token, readCall('sequential', n)));
      baseline.push(await ask(bareUrl, token, readCall('sequential', n)));
    }
    const after = await serverSide(d.front.port);
    const serverMeanMs = ((after.sum - before.sum) / (after.count - before.count)) * 1000;
    const spaced: number[] = [];
    const spacedBare: number[] = [];
    for (let n = 0; n < SPACED; n += 1) {
      await sleep(SPACING_MS);
      spaced.push(await ask(url, token, readCall('spaced', n)));
      await sleep(SPACING_MS);
      spacedBare.push(await ask(bareUrl, token, readCall('spaced', n)));
    }

    const rate = await perSecond(url, token, 'concurrent');
    const bareRate = await perSecond(bareUrl, token, 'concurrent');

    // Round trips: a second `serve` of the same deployment, its MongoDB behind a counting proxy.
    const counter = await startMongoCommandCounter(d.mongoUri);
    const counted = await startCountersign('serve', { ...d.env, MONGODB_URI: counter.uri });
    let perDecision: Record<string, { count: number; ms: number }> = {};
    try {
      const countedUrl = `http://127.0.0.1:${counted.port}/gateway/claude-code`;
      for (let n = 0; n < 20; n += 1) await ask(countedUrl, token, readCall('counted-warmup', n));
      counter.reset();
      for (let n = 0; n < COUNTED; n += 1) await ask(countedUrl, token, readCall('counted', n));
      perDecision = Object.fromEntries(
        Object.entries(counter.counts()).map(([name, c]) => [
          name,
          { count: round(c.count / COUNTED, 2), ms: round(c.ms / COUNTED, 2) },
        ]),
      );
    } finally {
      await counted.stop();
      await counter.close();
    }
    const commands = round(
      Object.values(perDecision).reduce((sum, c) => sum + c.count, 0),
      2,
    );
    const mongoMs = round(
      Object.values(perDecision).reduce((sum, c) => sum + c.ms, 0),
      2,
    );

    // The command hook: one process per call, as Claude Code runs it.
    process.stderr.write('bench: gateway: building the CLI (npm run build, into a temp dir)…\n');
    cli = await buildCli();
    const hookEnv = {
      PATH: process.env.PATH ?? '',
      NODE_PATH: path.join(root, 'node_modules'),
      COUNTERSIGN_URL: `http://127.0.0.1:${d.front.port}`,
      COUNTERSIGN_TOKEN: token,
    };
    const hook: number[] = [];
    const bareHook: number[] = [];
    const hookArgs = [cli.main, 'hook', 'claude-code'];
    await runOnce(process.execPath, hookArgs, hookEnv, readCall('hook-warmup', 0));
    for (let n = 0; n < PROCESSES; n += 1) {
      hook.push(await runOnce(process.execPath, hookArgs, hookEnv, readCall('hook', n)));
      bareHook.push(
        await runOnce(process.execPath, ['-e', BARE_HOOK], hookEnv, readCall('hook', n)),
      );
    }

    const s = { countersign: stats(countersign), bare: stats(baseline) };
    const sp = { countersign: stats(spaced), bare: stats(spacedBare) };
    const h = { countersign: stats(hook), bare: stats(bareHook) };
    const vsBare = 'baseline: bare Node server answering allow';
    const vsNode = 'baseline: bare node -e printing allow';
    return {
      figures: [
        {
          measurement: 'gateway allowed decision p50 (one at a time)',
          value: s.countersign.p50,
          baseline: s.bare.p50,
          unit: 'ms',
          note: vsBare,
        },
        {
          measurement: 'gateway allowed decision p99 (one at a time)',
          value: s.countersign.p99,
          baseline: s.bare.p99,
          unit: 'ms',
          note: vsBare,
        },
        {
          measurement: `gateway allowed decision p50 (${SPACING_MS} ms apart)`,
          value: sp.countersign.p50,
          baseline: sp.bare.p50,
          unit: 'ms',
          note: vsBare,
        },
        {
          measurement: `gateway allowed decision p99 (${SPACING_MS} ms apart)`,
          value: sp.countersign.p99,
          baseline: sp.bare.p99,
          unit: 'ms',
          note: vsBare,
        },
        {
          measurement: `gateway decisions per second (${SESSIONS} sessions)`,
          value: round(rate, 0),
          baseline: round(bareRate, 0),
          unit: 'decisions/s',
          note: vsBare,
        },
        {
          measurement: 'hook command allowed decision p50 (a process per call)',
          value: round(h.countersign.p50, 0),
          baseline: round(h.bare.p50, 0),
          unit: 'ms',
          note: vsNode,
        },
        {
          measurement: 'hook command allowed decision p99 (a process per call)',
          value: round(h.countersign.p99, 0),
          baseline: round(h.bare.p99, 0),
          unit: 'ms',
          note: vsNode,
        },
        {
          measurement: 'MongoDB commands per allowed decision',
          value: commands,
          unit: 'commands',
          note: 'counted at the wire; server monitoring left out',
        },
      ],
      details: {
        warmup: WARMUP,
        sequential: SEQUENTIAL,
        sessions: SESSIONS,
        concurrentDecisions: CONCURRENT,
        hookProcesses: PROCESSES,
        endpoint: {
          ...s,
          addedP50: round(s.countersign.p50 - s.bare.p50, 2),
          addedP99: round(s.countersign.p99 - s.bare.p99, 2),
          serverSideMeanMs: round(serverMeanMs, 2),
        },
        spaced: {
          spacingMs: SPACING_MS,
          calls: SPACED,
          ...sp,
          addedP50: round(sp.countersign.p50 - sp.bare.p50, 2),
          addedP99: round(sp.countersign.p99 - sp.bare.p99, 2),
        },
        decisionsPerSecond: { countersign: round(rate, 0), bare: round(bareRate, 0) },
        hookCommand: h,
        mongoPerDecision: { commands, replyMs: mongoMs, byCommand: perDecision },
      },
    };
  } finally {
    bare.kill('SIGTERM');
    agent.destroy();
    await d.stop();
    if (cli) await rm(cli.dir, { recursive: true, force: true });
  }
}
