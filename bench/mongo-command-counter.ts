import net from 'node:net';

/** Commands the driver sends on its own (server monitoring), not for any request. */
const MONITORING = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'buildInfo', 'endSessions']);

/** OP_MSG, the only opcode the driver sends without compression configured. */
const OP_MSG = 2013;

/**
 * A TCP proxy in front of MongoDB that counts the commands sent through it, by name, and how long
 * each waited for its reply: a process pointed at it says how many round trips its work costs.
 */
export interface MongoCommandCounter {
  /** `mongodb://127.0.0.1:<port>/…`: the given URI with its host replaced by the proxy. */
  uri: string;
  /** Commands since the last reset (monitoring left out), by name and collection, with their total reply time. */
  counts(): Record<string, { count: number; ms: number }>;
  reset(): void;
  close(): Promise<void>;
}

export async function startMongoCommandCounter(mongoUri: string): Promise<MongoCommandCounter> {
  const target = new URL(mongoUri);
  const upstreamPort = Number(target.port || 27017);
  let counts: Record<string, { count: number; ms: number }> = {};
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, target.hostname);
    sockets.add(client).add(upstream);
    /** requestID → [command, sent at]: a reply names the request it answers. */
    const inFlight = new Map<number, [string, bigint]>();
    frames(client, (frame) => {
      if (frame.readInt32LE(12) !== OP_MSG) return;
      const name = commandName(frame);
      if (name !== undefined && !MONITORING.has(name.split(' ')[0] ?? '')) {
        inFlight.set(frame.readInt32LE(4), [name, process.hrtime.bigint()]);
      }
    });
    frames(upstream, (frame) => {
      const sent = inFlight.get(frame.readInt32LE(8));
      if (sent === undefined) return;
      inFlight.delete(frame.readInt32LE(8));
      const entry = counts[sent[0]] ?? { count: 0, ms: 0 };
      entry.count += 1;
      entry.ms += Number(process.hrtime.bigint() - sent[1]) / 1e6;
      counts[sent[0]] = entry;
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const proxied = new URL(mongoUri);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  // One host only: the proxy speaks for a single server.
  proxied.searchParams.set('directConnection', 'true');
  return {
    uri: proxied.toString(),
    counts: () => counts,
    reset: () => {
      counts = {};
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Calls `onFrame` with each whole wire-protocol message read from `socket` (int32 length first). */
function frames(socket: net.Socket, onFrame: (frame: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
      const length = pending.readInt32LE(0);
      onFrame(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
  });
}

/** The command and its collection (`find approvals`): the body's (section kind 0) first element. */
function commandName(frame: Buffer): string | undefined {
  // header (16) + flagBits (4), then sections; the body section is kind 0, a BSON document.
  let at = 20;
  while (at < frame.length) {
    const kind = frame[at];
    if (kind === 0) {
      const typeAt = at + 1 + 4; // kind, document length, then the first element's type
      const nameEnd = frame.indexOf(0, typeAt + 1);
      if (nameEnd < 0) return undefined;
      const name = frame.toString('utf8', typeAt + 1, nameEnd);
      if (frame[typeAt] !== 0x02) return name; // not a string: no collection named
      // A string value (int32 length with its NUL, then the text): the collection, as in `find runs`.
      const length = frame.readInt32LE(nameEnd + 1);
      return `${name} ${frame.toString('utf8', nameEnd + 5, nameEnd + 4 + length)}`;
    }
    if (kind !== 1) return undefined;
    at += 1 + frame.readInt32LE(at + 1); // kind 1: a document sequence, its size first
  }
  return undefined;
}
