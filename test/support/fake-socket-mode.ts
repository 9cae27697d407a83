/**
 * A fake of Slack's Socket Mode endpoint (`wss://wss-primary.slack.com/link/?ticket=…`) on
 * 127.0.0.1, for the real `@slack/socket-mode` client that Bolt's `SocketModeReceiver` runs.
 *
 * It answers `apps.connections.open` on a fake Slack Web API (an app-level `xapp-` token gets a
 * one-time `ws://` URL), greets each connection with Slack's `hello`, answers pings with pongs and
 * close frames with close frames, and delivers envelopes (`slash_commands`, …) whose acks
 * (`{ envelope_id, payload }`) it hands back to the test. Every frame both ways is recorded.
 *
 * The WebSocket protocol is the `ws` package's; the ticket is checked on `node:http`'s `upgrade`
 * event before `ws` takes the socket, so a spent or unknown ticket gets a 401 as on Slack.
 *
 * Usage: `const socket = await startFakeSocketMode();` then `socket.attachTo(fakeSlack)` (again
 * after `fakeSlack.reset()`, which drops handlers); the fake Slack must accept the app token
 * (`startFakeSlackApi({ tokens: ['xoxb-…', FAKE_APP_TOKEN] })`). `await socket.close()` last.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import {
  FAKE_SLACK_BOT,
  FAKE_SLACK_TEAM,
  type FakeSlackApi,
  FakeSlackError,
} from './fake-slack-api';
import { closeServer, isRecord, listenOnLoopback } from './loopback-server';
import type { SlashCommandFields } from './slack-request';
import { newTriggerId } from './slack-request';

/** An app-level token for the fake (`apps.connections.open` accepts any `xapp-` token). */
export const FAKE_APP_TOKEN = 'xapp-1-A0APP-1-test';

/** `ws` reports 1006 when the connection ended without a close frame. */
const CLOSE_ABNORMAL = 1006;

/** One WebSocket frame the fake sent (`out`) or received (`in`). */
export interface SocketModeFrame {
  direction: 'in' | 'out';
  /** 1 for the first connection, 2 for the next… */
  connection: number;
  kind: 'text' | 'binary' | 'ping' | 'pong' | 'close';
  /** Text frames: the text; ping/pong: their payload as text; close: `<code> <reason>`. */
  text: string;
  /** Text frames that hold JSON: the parsed value. */
  json?: unknown;
  at: Date;
}

/** A slash command payload's fields; unspecified ones get `sendSlashCommand`'s defaults. */
export type SocketSlashCommand = SlashCommandFields;

interface Connection {
  id: number;
  ws: WebSocket;
}

interface PendingAck {
  resolve: (payload: Record<string, unknown>) => void;
}

/** Starts the fake Socket Mode server on a free port of 127.0.0.1. */
export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  const fake = new FakeSocketMode();
  await fake.listen();
  return fake;
}

export class FakeSocketMode {
  /** Every frame sent and received, oldest first. */
  readonly frames: SocketModeFrame[] = [];
  /** Tokens `apps.connections.open` was called with, oldest first. */
  readonly connectionsOpened: string[] = [];
  private readonly server: Server;
  /** No server of its own: `upgrade` below checks the ticket, then hands the socket over. */
  private readonly wss = new WebSocketServer({ noServer: true });
  private origin = '';
  private readonly tickets = new Set<string>();
  private readonly connections = new Set<Connection>();
  private readonly pendingAcks = new Map<string, PendingAck>();
  private readonly connectionWaiters = new Set<() => void>();
  private connectionCount = 0;

  constructor() {
    this.server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('fake-socket-mode: WebSocket upgrade required');
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /** `ws://127.0.0.1:port`, without a trailing slash. */
  get url(): string {
    return this.origin.replace(/^http:/, 'ws:');
  }

  /** Connections that said hello and are not closed. */
  get openConnections(): number {
    return this.open().length;
  }

  /** Connections accepted so far (closed ones included). */
  get totalConnections(): number {
    return this.connectionCount;
  }

  /** JSON frames received from the client (acks), oldest first. */
  get received(): unknown[] {
    return this.frames
      .filter((f) => f.direction === 'in' && f.json !== undefined)
      .map((f) => f.json);
  }

  /** @internal */
  async listen(): Promise<void> {
    this.origin = await listenOnLoopback(this.server);
  }

  /**
   * Makes `slack` answer `apps.connections.open` with a one-time URL on this server. Slack
   * accepts only app-level (`xapp-`) tokens there: a bot or user token gets
   * `not_allowed_token_type`, anything else `invalid_auth`.
   */
  attachTo(slack: FakeSlackApi): void {
    slack.setHandler('apps.connections.open', (_args, token) => {
      this.connectionsOpened.push(token);
      if (!token.startsWith('xapp-')) {
        throw new FakeSlackError(
          /^xox[bpae]-/.test(token) ? 'not_allowed_token_type' : 'invalid_auth',
        );
      }
      const ticket = randomUUID();
      this.tickets.add(ticket);
      return { ok: true, url: `${this.url}/link/?ticket=${ticket}&app_id=${FAKE_SLACK_BOT.appId}` };
    });
  }

  /** Resolves once `count` connections in all have said hello; rejects after `timeoutMs`. */
  waitForConnections(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.connectionCount >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.connectionCount < count) return;
        clearTimeout(timer);
        this.connectionWaiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.connectionWaiters.delete(check);
        reject(
          new Error(
            `fake-socket-mode: ${this.connectionCount} connection(s), not ${count}, within ` +
              `${timeoutMs} ms; apps.connections.open calls: ${this.connectionsOpened.length}`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.connectionWaiters.add(check);
    });
  }

  /**
   * Delivers a slash command as Slack does in Socket Mode and resolves with the ack's `payload`
   * (`{}` for an empty ack); rejects after `timeoutMs` naming what was sent.
   */
  sendSlashCommand(
    command: SocketSlashCommand,
    timeoutMs = 3_000,
  ): Promise<Record<string, unknown>> {
    const payload = {
      token: 'deprecated-verification-token',
      team_id: FAKE_SLACK_TEAM.id,
      team_domain: FAKE_SLACK_TEAM.domain,
      channel_id: 'C0GENERAL',
      channel_name: 'general',
      user_id: 'U0ADA',
      user_name: 'ada',
      command: '/countersign',
      api_app_id: FAKE_SLACK_BOT.appId,
      is_enterprise_install: 'false',
      response_url: 'https://hooks.slack.com/commands/T0TEST/1/unused',
      trigger_id: newTriggerId(),
      ...command,
    };
    return this.sendEnvelope('slash_commands', payload, timeoutMs);
  }

  /**
   * Sends `{ envelope_id, type, payload, accepts_response_payload: true }` on the newest open
   * connection; resolves with the ack's `payload`, rejects after `timeoutMs`.
   */
  sendEnvelope(
    type: string,
    payload: Record<string, unknown>,
    timeoutMs = 3_000,
  ): Promise<Record<string, unknown>> {
    const connection = this.open().pop();
    const what = `${type} ${describePayload(payload)}`;
    if (!connection) {
      return Promise.reject(new Error(`fake-socket-mode: no open connection to send ${what}`));
    }
    const envelopeId = randomUUID();
    const sentAt = Date.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelopeId);
        const since = this.frames
          .filter((f) => f.direction === 'in' && f.at.getTime() >= sentAt)
          .map((f) => `${f.kind} ${f.text.slice(0, 200)}`);
        reject(
          new Error(
            `fake-socket-mode: no ack for envelope ${envelopeId} (${what}) ` +
              `within ${timeoutMs} ms; ` +
              `frames received since: ${since.length ? since.join(' | ') : '(none)'}`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.pendingAcks.set(envelopeId, {
        resolve: (ack) => {
          clearTimeout(timer);
          this.pendingAcks.delete(envelopeId);
          resolve(ack);
        },
      });
      this.sendJson(connection, {
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: true,
      });
    });
  }

  /** Slack's notice that it is about to recycle the connection; the client reconnects. */
  requestDisconnect(reason = 'refresh_requested'): void {
    for (const connection of this.open()) {
      this.sendJson(connection, {
        type: 'disconnect',
        reason,
        debug_info: { host: 'applink-fake' },
      });
    }
  }

  /** Drops every connection and stops listening. */
  async close(): Promise<void> {
    for (const connection of this.connections) connection.ws.terminate();
    this.connections.clear();
    this.wss.close();
    await closeServer(this.server);
  }

  /** Connections that said hello and neither sent nor received a close frame, oldest first. */
  private open(): Connection[] {
    return [...this.connections].filter((c) => c.ws.readyState === WebSocket.OPEN);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.origin);
    const ticket = url.searchParams.get('ticket') ?? '';
    if (!url.pathname.startsWith('/link') || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // `ws` answers a request that is not a valid WebSocket handshake with 400 itself.
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.connectionCount += 1;
    const connection: Connection = { id: this.connectionCount, ws };
    this.connections.add(connection);
    // `ws` answers pings itself (autoPong); only the recording is done here.
    ws.on('ping', (data) => {
      this.record(connection, 'in', 'ping', data.toString('utf8'));
      this.record(connection, 'out', 'pong', data.toString('utf8'));
    });
    ws.on('pong', (data) => this.record(connection, 'in', 'pong', data.toString('utf8')));
    ws.on('message', (data, isBinary) => this.onMessage(connection, toBuffer(data), isBinary));
    // `ws` echoes a client's close frame and ends the TCP connection, as a server does.
    ws.on('close', (code, reason) => {
      this.connections.delete(connection);
      if (code === CLOSE_ABNORMAL) return;
      this.record(connection, 'in', 'close', `${code} ${reason.toString('utf8')}`);
      this.record(connection, 'out', 'close', String(code));
    });
    ws.on('error', () => ws.terminate());
    this.sendJson(connection, {
      type: 'hello',
      num_connections: this.openConnections,
      debug_info: {
        host: 'applink-fake',
        build_number: 1,
        approximate_connection_time: 18_060,
      },
      connection_info: { app_id: FAKE_SLACK_BOT.appId },
    });
    for (const waiter of [...this.connectionWaiters]) waiter();
  }

  private onMessage(connection: Connection, message: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.record(connection, 'in', 'binary', message.toString('hex'));
      return;
    }
    const json = this.record(connection, 'in', 'text', message.toString('utf8'));
    if (isRecord(json) && typeof json.envelope_id === 'string') {
      const ack = isRecord(json.payload) ? json.payload : {};
      this.pendingAcks.get(json.envelope_id)?.resolve(ack);
    }
  }

  private sendJson(connection: Connection, value: unknown): void {
    const text = JSON.stringify(value);
    this.record(connection, 'out', 'text', text);
    // Without a callback, `ws` drops a send on a closing socket instead of throwing.
    connection.ws.send(text);
  }

  /** Records a frame; returns the parsed JSON of a text frame, if it is JSON. */
  private record(
    connection: Connection,
    direction: SocketModeFrame['direction'],
    kind: SocketModeFrame['kind'],
    text: string,
  ): unknown {
    const frame: SocketModeFrame = {
      direction,
      connection: connection.id,
      kind,
      text,
      at: new Date(),
    };
    if (kind === 'text') {
      try {
        frame.json = JSON.parse(text);
      } catch {
        // Not JSON: kept as text only.
      }
    }
    this.frames.push(frame);
    return frame.json;
  }
}

/** A message as one Buffer, whatever `binaryType` delivered it as. */
function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function describePayload(payload: Record<string, unknown>): string {
  if (typeof payload.command === 'string') {
    return `${payload.command} ${JSON.stringify(payload.text ?? '')}`;
  }
  return JSON.stringify(payload).slice(0, 200);
}
