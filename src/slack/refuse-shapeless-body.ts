import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  defaultBodyLimit,
  HTTPModuleFunctions,
  isRawBodyError,
  isValidSlackRequest,
} from '@slack/bolt';

/**
 * Wraps Bolt's HTTP request listener: a correctly signed body that parses to something other than
 * an object (`payload=null`, a JSON `null`, a list, a number) is answered `400` here. Bolt 5.1 reads
 * `body.ssl_check` from it unguarded, so a `null` would throw outside any handler, leave the request
 * unanswered and end as an unhandled rejection; anything else shapeless waits 3 s for a 404.
 * The body is buffered once, with Bolt's own limit; Bolt then reuses that buffer.
 * Returns its work, so that the router answers 500 if Bolt throws.
 */
export function refuseShapelessBody(
  boltListener: RequestListener,
  signingSecret: string,
  bodyLimit = defaultBodyLimit,
): (req: IncomingMessage, res: ServerResponse) => void | Promise<void> {
  return (req, res) => {
    if (req.method !== 'POST') return boltListener(req, res);
    return (async () => {
      try {
        await HTTPModuleFunctions.bufferIncomingMessage(req, bodyLimit);
      } catch (error) {
        // As Bolt answers a body it could not read: too large is 413, anything else 401.
        const tooLarge = isRawBodyError(error) && error.type === 'entity.too.large';
        return answer(res, tooLarge ? 413 : 401);
      }
      if (isSignedAndShapeless(req, signingSecret)) return answer(res, 400);
      boltListener(req, res);
    })();
  };
}

function isSignedAndShapeless(req: IncomingMessage, signingSecret: string): boolean {
  const buffered = req as IncomingMessage & { rawBody: Buffer };
  const signature = req.headers['x-slack-signature'];
  const timestamp = Number(req.headers['x-slack-request-timestamp']);
  if (typeof signature !== 'string') return false;
  const valid = isValidSlackRequest({
    signingSecret,
    body: buffered.rawBody.toString(),
    headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
  });
  if (!valid) return false;
  try {
    const body: unknown = HTTPModuleFunctions.parseHTTPRequestBody(buffered as never);
    return typeof body !== 'object' || body === null || Array.isArray(body);
  } catch {
    return false; // Not JSON at all: Bolt answers 400 itself.
  }
}

function answer(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}
