/**
 * A fake of Slack's Socket Mode endpoint (`wss://wss-primary.slack.com/link/?ticket=…`) on
 * 127.0.0.1, for the real `@slack/socket-mode` client that Bolt's `SocketModeReceiver` runs.
 *
 * It answers `apps.connections.open` on a fake Slack Web API (an app-level `xapp-` token gets a
 * one-time `ws://` URL), greets each connection with Slack's `hello`, answers pings with pongs and
 * close frames with close frames, and delivers envelopes (`slash_commands`, …) whose acks
 * (`{ envelope_id, payload }`) it hands back to the test. Every frame both ways is recorded.
 *
 * The WebSocket server side (RFC 6455, text frames only, no extensions) is written here on
 * `node:http`'s `upgrade` event: `@slack/socket-mode` 3 connects with undici's WebSocket, so the
 * `ws` package is not installed.
 *
 * Usage: `const socket = await startFakeSocketMode();` then `socket.attachTo(fakeSlack)` (again
 * after `fakeSlack.reset()`, which drops handlers); the fake Slack must accept the app token
 * (`startFakeSlackApi({ tokens: ['xoxb-…', FAKE_APP_TOKEN] })`). `await socket.close()` last.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  FAKE_SLACK_BOT,
  FAKE_SLACK_TEAM,
  type FakeSlackApi,
  FakeSlackError,
} from './fake-slack-api';
import { isRecord, listenOnLoopback } from './loopback-server';
import { newTriggerId } from './slack-request';

/** An app-level token the fake accepts (any `xapp-` token is accepted by `apps.connections.open`). */
export const FAKE_APP_TOKEN = 'xapp-1-A0APP-1-test';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa };

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

/** The fields of a slash command payload; unspecified ones get the defaults of `sendSlashCommand`. */
export interface SocketSlashCommand {
  text: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  trigger_id?: string;
  response_url?: string;
  command?: string;
}

interface Connection {
  id: number;
  socket: Duplex;
  buffer: Buffer;
  /** Fragments of a message still being received. */
  fragments: Buffer[];
  fragmentOpcode: number;
  closeSent: boolean;
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
    return [...this.connections].filter((c) => !c.closeSent).length;
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
    const connection = [...this.connections].filter((c) => !c.closeSent).pop();
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
            `fake-socket-mode: no ack for envelope ${envelopeId} (${what}) within ${timeoutMs} ms; ` +
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
    for (const connection of this.connections) {
      if (connection.closeSent) continue;
      this.sendJson(connection, {
        type: 'disconnect',
        reason,
        debug_info: { host: 'applink-fake' },
      });
    }
  }

  /** Drops every connection and stops listening. */
  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.destroy();
    this.connections.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.origin);
    const ticket = url.searchParams.get('ticket') ?? '';
    const key = req.headers['sec-websocket-key'];
    const isWebSocket = String(req.headers.upgrade).toLowerCase() === 'websocket';
    if (!url.pathname.startsWith('/link') || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!isWebSocket || typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(`${key}${WEBSOCKET_GUID}`).digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    this.connectionCount += 1;
    const connection: Connection = {
      id: this.connectionCount,
      socket,
      buffer: Buffer.alloc(0),
      fragments: [],
      fragmentOpcode: OPCODE.text,
      closeSent: false,
    };
    this.connections.add(connection);
    socket.on('data', (chunk: Buffer) => this.receive(connection, chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(connection));
    if (head.length > 0) this.receive(connection, head);
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

  private receive(connection: Connection, chunk: Buffer): void {
    connection.buffer = Buffer.concat([connection.buffer, chunk]);
    for (;;) {
      const frame = parseFrame(connection.buffer);
      if (!frame) return;
      connection.buffer = connection.buffer.subarray(frame.length);
      this.onFrame(connection, frame.fin, frame.opcode, frame.payload);
    }
  }

  private onFrame(connection: Connection, fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === OPCODE.ping) {
      this.record(connection, 'in', 'ping', payload.toString('utf8'));
      this.sendFrame(connection, OPCODE.pong, payload);
      return;
    }
    if (opcode === OPCODE.pong) {
      this.record(connection, 'in', 'pong', payload.toString('utf8'));
      return;
    }
    if (opcode === OPCODE.close) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.record(connection, 'in', 'close', `${code} ${payload.subarray(2).toString('utf8')}`);
      // Complete the closing handshake, then drop the TCP connection as a server does.
      if (!connection.closeSent) this.sendFrame(connection, OPCODE.close, payload.subarray(0, 2));
      connection.closeSent = true;
      connection.socket.end();
      return;
    }
    if (opcode !== OPCODE.continuation) connection.fragmentOpcode = opcode;
    connection.fragments.push(payload);
    if (!fin) return;
    const message = Buffer.concat(connection.fragments);
    connection.fragments = [];
    if (connection.fragmentOpcode === OPCODE.binary) {
      this.record(connection, 'in', 'binary', message.toString('hex'));
      return;
    }
    const text = message.toString('utf8');
    const json = this.record(connection, 'in', 'text', text);
    if (isRecord(json) && typeof json.envelope_id === 'string') {
      const ack = isRecord(json.payload) ? json.payload : {};
      this.pendingAcks.get(json.envelope_id)?.resolve(ack);
    }
  }

  private sendJson(connection: Connection, value: unknown): void {
    const text = JSON.stringify(value);
    this.record(connection, 'out', 'text', text);
    this.sendFrame(connection, OPCODE.text, Buffer.from(text, 'utf8'));
  }

  /** Server frames are never masked. */
  private sendFrame(connection: Connection, opcode: number, payload: Buffer): void {
    if (opcode === OPCODE.pong) this.record(connection, 'out', 'pong', payload.toString('utf8'));
    if (opcode === OPCODE.close) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.record(connection, 'out', 'close', String(code));
    }
    const length = payload.length;
    let header: Buffer;
    if (length < 126) {
      header = Buffer.from([0x80 | opcode, length]);
    } else if (length < 65_536) {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 126;
      header.writeUInt16BE(length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    if (!connection.socket.destroyed) connection.socket.write(Buffer.concat([header, payload]));
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

/** One complete frame at the start of `buffer` (client frames are masked), or undefined. */
function parseFrame(
  buffer: Buffer,
): { fin: boolean; opcode: number; payload: Buffer; length: number } | undefined {
  if (buffer.length < 2) return undefined;
  const first = buffer[0] as number;
  const second = buffer[1] as number;
  const masked = (second & 0x80) !== 0;
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (buffer.length < offset + length) return undefined;
  const payload = Buffer.from(buffer.subarray(offset, offset + length));
  if (masked) {
    for (let i = 0; i < payload.length; i += 1) {
      payload[i] = (payload[i] as number) ^ (buffer[maskOffset + (i % 4)] as number);
    }
  }
  return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload, length: offset + length };
}

function describePayload(payload: Record<string, unknown>): string {
  if (typeof payload.command === 'string') {
    return `${payload.command} ${JSON.stringify(payload.text ?? '')}`;
  }
  return JSON.stringify(payload).slice(0, 200);
}
