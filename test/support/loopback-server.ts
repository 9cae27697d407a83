import type { IncomingMessage, Server } from 'node:http';
import { listen } from '../../src/http/routes';

/** Listens on a free port of 127.0.0.1; resolves with the server's origin (`http://127.0.0.1:N`). */
export async function listenOnLoopback(server: Server): Promise<string> {
  return `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
}

/** Closes the server, dropping keep-alive connections so close() does not wait on them. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The whole request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
