import { TextDecoder } from 'node:util';
import type { ToolOutcome } from '../runs/ports';
import type { HttpToolSpec } from '../workflows/manifest-schema';
import {
  findPlaceholders,
  type Placeholder,
  renderJson,
  renderTemplate,
  TemplateError,
  type TemplateScopes,
} from '../workflows/template';

export type HttpCallSpec = HttpToolSpec['http'];

/** The values placeholders take: the run's inputs, the call's arguments, the resolved secrets. */
export interface HttpToolScopes {
  inputs: Record<string, unknown>;
  args: Record<string, unknown>;
  secrets: Record<string, string>;
}

export interface HttpToolOptions {
  /** Aborting stops the call, e.g. when the worker shuts down; the outcome is `aborted`. @defaultValue none */
  signal?: AbortSignal;
  /** Bytes of the response body kept; reading stops after them. @defaultValue 65536 */
  maxResponseBytes?: number;
  /** The fetch that sends the requests. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

const DEFAULT_MAX_RESPONSE_BYTES = 65_536;
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Response headers the model sees; an allowlist, so cookies and credentials never pass. */
const SHOWN_HEADERS = [
  'content-type',
  'content-length',
  'location',
  'retry-after',
  'x-request-id',
  'request-id',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'etag',
  'last-modified',
];

const ERROR_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed by the server',
};

interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * Calls the HTTP API an `http` tool describes. Each placeholder value is encoded for its place
 * (path segment, query, header, JSON body), only the manifest URL's origin is contacted (a
 * redirect elsewhere is refused), and the whole call, body included, ends within `spec.timeout`.
 * Never throws for a failed call: the outcome says what happened, for the model to read.
 */
export async function callHttpTool(
  spec: HttpCallSpec,
  scopes: HttpToolScopes,
  options: HttpToolOptions = {},
): Promise<ToolOutcome> {
  let request: HttpRequest;
  let origin: string;
  try {
    origin = manifestOrigin(spec.url);
    request = buildRequest(spec, scopes, origin);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return { ok: false, output: `could not build the request: ${error.message}` };
  }
  const what = `${request.method} ${origin}`;
  const stopped = {
    ok: false,
    aborted: true,
    output: `stopped (shutdown) during ${what}; whether the server acted on it is unknown`,
  };
  if (options.signal?.aborted) return { ...stopped, output: `stopped (shutdown) before ${what}` };

  const timeout = AbortSignal.timeout(spec.timeout);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await exchange(request, origin, {
      signal,
      fetch: options.fetch ?? fetch,
      maxBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    });
  } catch (error) {
    if (options.signal?.aborted) return stopped;
    if (timeout.aborted)
      return { ok: false, output: `timed out after ${spec.timeout / 1000}s (${what})` };
    return { ok: false, output: `${what} failed: ${describeFailure(error)}` };
  }
}

/** Sends the request, following redirects that stay on the manifest's origin. */
async function exchange(
  first: HttpRequest,
  origin: string,
  io: { signal: AbortSignal; fetch: typeof fetch; maxBytes: number },
): Promise<ToolOutcome> {
  let request = first;
  for (let redirects = 0; ; redirects++) {
    const response = await io.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: io.signal,
    });
    const location = response.headers.get('location');
    if (!REDIRECT_STATUSES.has(response.status) || location === null)
      return describeResponse(response, io.maxBytes);
    await response.body?.cancel();
    const status = statusLine(response);
    let next: URL;
    try {
      next = new URL(location, request.url);
    } catch {
      return { ok: false, output: `${status}: the Location is not a URL; not followed` };
    }
    if (next.origin !== origin || next.username !== '' || next.password !== '') {
      return {
        ok: false,
        output: `${status}: refused redirect to other host ${next.origin}; this tool may only contact ${origin}`,
      };
    }
    if (redirects === MAX_REDIRECTS)
      return { ok: false, output: `${status}: too many redirects (more than ${MAX_REDIRECTS})` };
    request = { ...redirected(request, response.status), url: next.href };
  }
}

/** As fetch does: 303, and 301/302 after a POST, continue as a GET without the body. */
function redirected(request: HttpRequest, status: number): HttpRequest {
  if (!(status === 303 || ((status === 301 || status === 302) && request.method === 'POST')))
    return request;
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(
      ([name]) => !/^content-(type|length|encoding|language|location)$/i.test(name),
    ),
  );
  return { ...request, method: 'GET', headers, body: undefined };
}

async function describeResponse(response: Response, maxBytes: number): Promise<ToolOutcome> {
  const { bytes, cut } = await readCapped(response.body, maxBytes);
  const lines = [statusLine(response)];
  for (const name of SHOWN_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) lines.push(`${name}: ${value}`);
  }
  const contentType = response.headers.get('content-type') ?? '';
  let body: string;
  if (isBinary(contentType, bytes)) {
    const size = cut ? `more than ${maxBytes}` : String(bytes.byteLength);
    body = `[binary body, ${size} bytes, content-type ${contentType || 'not given'}]`;
  } else {
    // Streaming mode holds back a character the cut split in two, instead of garbling it.
    body = decoderFor(contentType).decode(bytes, { stream: cut });
    if (cut) body += `\n…(response cut: more than ${maxBytes} bytes)`;
  }
  return { ok: response.ok, output: `${lines.join('\n')}\n\n${body}`.trimEnd() };
}

function statusLine(response: Response): string {
  return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
}

/** Reads at most `maxBytes` of the body, then cancels it so the rest is never received. */
async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; cut: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const joined = () => Buffer.concat(chunks, size);
  if (body === null) return { bytes: joined(), cut: false };
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: joined(), cut: false };
    const room = maxBytes - size;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      size += room;
      await reader.cancel();
      return { bytes: joined(), cut: true };
    }
    chunks.push(value);
    size += value.byteLength;
  }
}

const TEXT_TYPE =
  /^\s*(text\/|[^;]*[/+](json|xml|yaml|x-yaml|javascript|ecmascript|csv|x-www-form-urlencoded|x-ndjson|ndjson|graphql)\s*(;|$))|;\s*charset=/i;

/** Text types and bodies with a charset are text; without a content type, NUL bytes mean binary. */
function isBinary(contentType: string, bytes: Uint8Array): boolean {
  if (contentType === '') return bytes.includes(0);
  return !TEXT_TYPE.test(contentType);
}

function decoderFor(contentType: string): TextDecoder {
  const charset = /;\s*charset="?([^";\s]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8');
  } catch {
    return new TextDecoder('utf-8');
  }
}

/** The code of a network failure (with a word for the common ones); never a header value. */
function describeFailure(error: unknown): string {
  // Duck-typed: under a test runner, fetch's errors may come from another realm's Error.
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return ERROR_CODES[code] ? `${ERROR_CODES[code]} (${code})` : code;
  return typeof message === 'string' ? message : String(cause);
}

const ORIGIN_TEXT = /^https?:\/\/[^/?#]*/i;

/** The origin the manifest writes out, which every request and redirect must stay on. */
function manifestOrigin(url: string): string {
  const written = ORIGIN_TEXT.exec(url)?.[0];
  if (written === undefined || findPlaceholders(written).length > 0)
    throw new TemplateError('the URL must start with http:// or https:// and a written-out host');
  if (written.includes('@'))
    throw new TemplateError(
      'the URL must not hold a user name or password: send credentials in a header',
    );
  try {
    return new URL(written).origin;
  } catch {
    throw new TemplateError('the URL does not name a valid host');
  }
}

function buildRequest(spec: HttpCallSpec, scopes: HttpToolScopes, origin: string): HttpRequest {
  const values = {
    inputs: scopes.inputs,
    // An optional argument the call left out fills in as absent, not as an unknown name.
    args: { ...absentArgs(spec), ...scopes.args },
    secrets: scopes.secrets,
  };
  const url = renderUrl(spec.url, values, origin);
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(spec.headers ?? {})) {
    if (name.toLowerCase() === 'host' && findPlaceholders(template).length > 0)
      throw new TemplateError('header Host must be written out: it chooses the server');
    headers[name] = renderHeader(name, template, values);
  }
  let body: string | undefined;
  if (spec.body !== undefined) {
    if (spec.method === 'GET')
      throw new TemplateError('a GET request has no body: use POST, PUT or PATCH');
    body = JSON.stringify(renderJson(spec.body, values, (value) => asText(value)));
    const typed = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
    if (body !== undefined && !typed) headers['content-type'] = 'application/json';
  }
  return { url, method: spec.method, headers, body };
}

function absentArgs(spec: HttpCallSpec): Record<string, undefined> {
  const texts = [spec.url, ...Object.values(spec.headers ?? {}), ...stringsIn(spec.body)];
  const names = texts.flatMap((text) =>
    findPlaceholders(text).flatMap((use) =>
      'scope' in use && use.scope === 'args' ? [use.name] : [],
    ),
  );
  return Object.fromEntries(names.map((name) => [name, undefined]));
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/**
 * Each value fills one path segment or one query component, percent-encoded, so it cannot add
 * segments, start the query, or climb with `..`; the result must keep the manifest's origin.
 */
function renderUrl(template: string, scopes: TemplateScopes, origin: string): string {
  const written = ORIGIN_TEXT.exec(template)?.[0] ?? '';
  const rest = template.slice(written.length);
  const queryAt = rest.search(/[?#]/);
  const path = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rest.slice(queryAt);
  const renderedPath = path
    .split('/')
    .map((segment) => renderPathSegment(segment, scopes))
    .join('/');
  const renderedQuery = renderTemplate(query, scopes, (value, placeholder) =>
    encodeComponent(asText(value), placeholder),
  );
  let url: URL;
  try {
    url = new URL(written + renderedPath + renderedQuery);
  } catch {
    throw new TemplateError('the filled-in URL is not valid');
  }
  if (url.origin !== origin) throw new TemplateError(`the filled-in URL left ${origin}`);
  return url.href;
}

function renderPathSegment(segment: string, scopes: TemplateScopes): string {
  const uses = findPlaceholders(segment);
  if (uses.length === 0) return segment;
  const rendered = renderTemplate(segment, scopes, (value, placeholder) => {
    const text = asText(value);
    if (text === '') throw new TemplateError(`${describe(placeholder)} is required for the URL`);
    return encodeComponent(text, placeholder);
  });
  // The URL parser reads `.`, `..` and `%2e%2e` as moves up the path.
  if (/^(\.|%2e){1,2}$/i.test(rendered)) {
    throw new TemplateError(
      `the path segment filled by ${uses[0]?.text} cannot be "." or "..": it would climb the URL`,
    );
  }
  return rendered;
}

function renderHeader(name: string, template: string, scopes: TemplateScopes): string {
  const value = renderTemplate(template, scopes, (filled, placeholder) => {
    const text = asText(filled);
    const problem = headerProblem(text);
    if (problem) throw new TemplateError(`header ${name}: ${describe(placeholder)} ${problem}`);
    return text;
  });
  const problem = headerProblem(value);
  if (problem) throw new TemplateError(`header ${name}: its value ${problem}`);
  return value;
}

/** Why a text cannot be a header value, if it cannot; never repeats the value (it may be a secret). */
function headerProblem(text: string): string | undefined {
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code === 0x0a || code === 0x0d || code === 0x00)
      return 'contains a line break or NUL, which could add headers; refused';
    if ((code < 0x20 && code !== 0x09) || code === 0x7f || code > 0xff)
      return 'contains characters a header cannot carry (control characters, or beyond Latin-1)';
  }
  return undefined;
}

function encodeComponent(text: string, placeholder: Placeholder): string {
  try {
    return encodeURIComponent(text);
  } catch {
    // encodeURIComponent refuses a lone surrogate (half of a UTF-16 pair).
    throw new TemplateError(`${describe(placeholder)} is not valid Unicode text`);
  }
}

/** Numbers and booleans as written, objects as JSON, absent as empty text. */
function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function describe({ scope, name }: Placeholder): string {
  if (scope === 'args') return `argument "${name}"`;
  if (scope === 'inputs') return `input "${name}"`;
  return `{{${scope}.${name}}}`;
}
