import { type ChildProcess, spawn } from 'node:child_process';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { within } from '../shared/within';
import { killProcessGroup } from './kill-process-group';

export interface McpServerProcessSpec {
  command: string;
  args: string[];
  /** The server's whole environment: nothing is added to it. */
  env: Record<string, string>;
  cwd?: string;
}

/** How the server process ended, once it has. */
export type McpServerExit =
  | { code: number | null; signal: NodeJS.Signals | null }
  /** It never ran: ENOENT, EACCES… */
  | { spawnError: string };

export interface McpStdioTransportOptions {
  /** How long close() lets the server exit on its own after closing its stdin. @defaultValue 2000 */
  closeGraceMs?: number;
  /** Bytes of the server's stderr kept (the last ones). @defaultValue 4096 */
  stderrTailBytes?: number;
}

/** After the server exits, how long to wait for its pipes to close (a straggler may hold them). */
const PIPE_GRACE_MS = 500;

/**
 * The stdio transport of the MCP client, in place of the SDK's StdioClientTransport: that one
 * adds HOME, USER, SHELL… to the server's environment, inherits or hands back its stderr
 * unbounded, and kills only the direct child. This one gives the server exactly the environment
 * it is given, keeps only the tail of its stderr, and makes it lead a process group, so closing
 * also ends whatever it started (`npx` starts the real server as its child).
 */
export class McpStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private readonly readBuffer = new ReadBuffer();
  private stderr = Buffer.alloc(0);
  /** Whether earlier stderr was dropped, so the kept bytes may start inside a line. */
  private stderrCut = false;
  private exitStatus: McpServerExit | undefined;
  private brokenReason: string | undefined;
  private pipeTimer: NodeJS.Timeout | undefined;
  private finished = false;
  private readonly whenFinished: Promise<void>;
  private markFinished: () => void = () => {};
  private readonly closeGraceMs: number;
  private readonly stderrTailBytes: number;

  constructor(
    private readonly spec: McpServerProcessSpec,
    options: McpStdioTransportOptions = {},
  ) {
    this.closeGraceMs = options.closeGraceMs ?? 2_000;
    this.stderrTailBytes = options.stderrTailBytes ?? 4_096;
    this.whenFinished = new Promise((resolve) => {
      this.markFinished = resolve;
    });
  }

  /** The server's process id, once it started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the server ended; undefined while it runs. */
  get exit(): McpServerExit | undefined {
    return this.exitStatus;
  }

  /** Why the transport gave up on a server that still ran (it was killed for it). */
  get broken(): string | undefined {
    return this.brokenReason;
  }

  /** The last bytes the server wrote to stderr, as text. */
  stderrTail(): string {
    const text = this.stderr.toString('utf8');
    // A line cut at its start could begin in the middle of a secret, which no scrubber would
    // recognise: drop it whole.
    const newline = text.indexOf('\n');
    if (!this.stderrCut) return text.trim();
    return newline === -1 ? '' : text.slice(newline + 1).trim();
  }

  start(): Promise<void> {
    if (this.child !== undefined) return Promise.reject(new Error('the transport already started'));
    return new Promise((resolve, reject) => {
      const child = spawn(this.spec.command, this.spec.args, {
        env: this.spec.env,
        cwd: this.spec.cwd,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
      this.child = child;

      child.once('spawn', () => resolve());
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (child.pid === undefined) {
          // It could not be started; 'close' follows.
          this.exitStatus = { spawnError: error.code ?? error.message };
          reject(error);
        } else {
          this.onerror?.(error);
        }
      });
      child.stdout?.on('data', (chunk: Buffer) => this.receive(chunk));
      child.stderr?.on('data', (chunk: Buffer) => {
        const kept = Buffer.concat([this.stderr, chunk]);
        if (kept.length > this.stderrTailBytes) this.stderrCut = true;
        this.stderr = kept.subarray(Math.max(0, kept.length - this.stderrTailBytes));
      });
      // EPIPE when writing to a server that died: 'exit' reports the death.
      child.stdin?.on('error', () => {});
      child.on('exit', (code, signal) => {
        this.exitStatus ??= { code, signal };
        // Whatever it started and left running in its group goes with it.
        killProcessGroup(child);
        this.pipeTimer = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          child.stdin?.destroy();
        }, PIPE_GRACE_MS);
      });
      child.on('close', () => this.finish());
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (stdin == null || this.exitStatus !== undefined || !stdin.writable) {
      return Promise.reject(new Error('the MCP server is not running'));
    }
    return new Promise((resolve, reject) => {
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Closes the server's stdin (the MCP way to stop it), then kills its group if it lingers. */
  async close(): Promise<void> {
    const child = this.child;
    if (child === undefined || this.finished) return this.settle();
    if (this.exitStatus === undefined) {
      child.stdin?.end();
      const exited = await within(
        this.closeGraceMs,
        this.whenFinished.then(() => true),
      );
      if (!exited) killProcessGroup(child);
    }
    return this.settle();
  }

  /** Kills the server's group at once, for a server that is being given up on. */
  async kill(): Promise<void> {
    if (this.child !== undefined && !this.finished) killProcessGroup(this.child);
    return this.settle();
  }

  private receive(chunk: Buffer): void {
    try {
      this.readBuffer.append(chunk);
    } catch {
      this.giveUp('it sent a message larger than the 10 MiB limit');
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.readMessage();
      } catch {
        // Not the line itself: a server that logs to stdout by mistake could log a secret.
        this.onerror?.(new Error('the MCP server wrote a line to stdout that is not JSON-RPC'));
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  private giveUp(reason: string): void {
    this.brokenReason ??= reason;
    if (this.child !== undefined) killProcessGroup(this.child);
  }

  /** Waits for 'close'; a server killed with SIGKILL closes at once, so this cannot hang. */
  private async settle(): Promise<void> {
    if (this.child !== undefined) await this.whenFinished;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.pipeTimer !== undefined) clearTimeout(this.pipeTimer);
    this.readBuffer.clear();
    this.markFinished();
    this.onclose?.();
  }
}
