/**
 * The real Claude Code CLI, run offline: `claude -p` in a temp project, against the fake
 * Anthropic API, with a temp HOME and config dir so nothing of the machine's is read or written.
 *
 * The binary is the pinned one scripts/install-claude-code.sh caches; CI installs it and passes
 * its path in COUNTERSIGN_CLAUDE_CODE, and without it the first call here runs the script (a
 * download on a machine's first run only).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CLAUDE_CODE_ENV = 'COUNTERSIGN_CLAUDE_CODE';
const INSTALL_SCRIPT = path.join(__dirname, '../../scripts/install-claude-code.sh');

let binary: string | undefined;

/** The path of the pinned `claude` binary, installed into the machine's cache if need be. */
export function claudeCodeBinary(): string {
  binary ??=
    process.env[CLAUDE_CODE_ENV] ||
    execFileSync(INSTALL_SCRIPT, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return binary;
}

/** A temp project for one session, with its own HOME and Claude config dir beside it. */
export interface ClaudeCodeProject {
  /** The project dir: the session's working directory. */
  dir: string;
  home: string;
  configDir: string;
  /** Writes `relative` (under the project dir, folders made as needed); returns its path. */
  write(relative: string, content: string): string;
  /** Writes an executable `#!/bin/sh` script (a command hook); returns its path. */
  script(relative: string, body: string): string;
  /** Writes the project's `.claude/settings.json`. */
  settings(settings: object): void;
  remove(): void;
}

export function makeClaudeCodeProject(): ClaudeCodeProject {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'claude-code-'));
  const dirs = ['project', 'home', 'config'].map((name) => path.join(root, name));
  for (const dir of dirs) fs.mkdirSync(dir);
  const [dir = '', home = '', configDir = ''] = dirs;
  const write = (relative: string, content: string): string => {
    const file = path.join(dir, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  };
  return {
    dir,
    home,
    configDir,
    write,
    script: (relative, body) => {
      const file = write(relative, `#!/bin/sh\n${body}\n`);
      fs.chmodSync(file, 0o755);
      return file;
    },
    settings: (settings) => write('.claude/settings.json', JSON.stringify(settings, null, 2)),
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** The `--output-format json` result of a `claude -p` session, as far as the tests read it. */
export interface ClaudeCodeResult {
  type: 'result';
  subtype: string;
  is_error: boolean;
  result?: string;
  num_turns: number;
  session_id: string;
  terminal_reason?: string;
  permission_denials: { tool_name: string; tool_use_id: string; tool_input: unknown }[];
  [key: string]: unknown;
}

export interface ClaudeCodeRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, if it was JSON. */
  result?: ClaudeCodeResult;
  durationMs: number;
}

export interface ClaudeCodeSession {
  /** The fake Anthropic API's origin: ANTHROPIC_BASE_URL. */
  apiBaseUrl: string;
  /** Without one, `claude -p` reads none (stdin is empty): what `--resume` of a deferred call needs. */
  prompt?: string;
  /** More CLI flags (`--permission-mode`, `--allowedTools`, `--settings`, `--resume` ...). */
  args?: string[];
  env?: Record<string, string>;
  /** @defaultValue 20 s: then the session's process group is killed. */
  timeoutMs?: number;
}

/** The environment of an offline session: no telemetry, no updates, nothing of the machine's. */
function sessionEnv(project: ClaudeCodeProject, session: ClaudeCodeSession): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TMPDIR: os.tmpdir(),
    HOME: project.home,
    CLAUDE_CONFIG_DIR: project.configDir,
    ANTHROPIC_BASE_URL: session.apiBaseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-fake-claude-code',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    // A fake's error (an exhausted script) ends the session at once, not after 10 backoffs.
    CLAUDE_CODE_MAX_RETRIES: '0',
    ...session.env,
  };
}

/**
 * Runs `claude -p <prompt> --output-format json` in the project and resolves when it exits.
 * It runs in a process group of its own, killed whole when it exits or times out, so no hook or
 * Bash child outlives the session.
 */
export function runClaudeCode(
  project: ClaudeCodeProject,
  session: ClaudeCodeSession,
): Promise<ClaudeCodeRun> {
  const started = Date.now();
  const prompt = session.prompt === undefined ? [] : [session.prompt];
  const args = ['-p', ...prompt, '--output-format', 'json', ...(session.args ?? [])];
  const child = spawn(claudeCodeBinary(), args, {
    cwd: project.dir,
    env: sessionEnv(project, session),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => killGroup(child.pid), session.timeoutMs ?? 20_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      killGroup(child.pid);
      const durationMs = Date.now() - started;
      resolve({ exitCode, signal, stdout, stderr, result: parseResult(stdout), durationMs });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function parseResult(stdout: string): ClaudeCodeResult | undefined {
  try {
    return JSON.parse(stdout) as ClaudeCodeResult;
  } catch {
    return undefined;
  }
}
