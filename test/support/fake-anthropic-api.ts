/**
 * A fake Anthropic Messages API on 127.0.0.1 for `new Anthropic({ baseURL: fake.baseUrl })`.
 * It plays a scripted conversation, one turn per `POST /v1/messages`, answering with the real
 * response and error shapes, after validating each request the way the API does (auth and
 * version headers, required fields, role order, tool_use / tool_result pairing).
 *
 * A request with `stream: true` gets its reply as the API's server-sent events
 * (fake-anthropic-stream.ts); errors are plain JSON with an HTTP status either way, as the API
 * sends them before a stream starts.
 * Stricter than the real API in one way: consecutive messages of the same role are rejected
 * (the API merges them), because in our agent loop they always mean a bug.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type Anthropic from '@anthropic-ai/sdk';
import { writeMessageStream } from './fake-anthropic-stream';
import { closeServer, isRecord, listenOnLoopback, readBody } from './loopback-server';

/** A tool call the scripted model makes. */
export interface ScriptedToolUse {
  name: string;
  input: unknown;
  /** @defaultValue a fresh `toolu_...` id */
  id?: string;
  /**
   * The model names a tool the request did not offer (a hallucination, or a prompt injection at
   * work). Without it, calling an unoffered tool is taken for a mistake in the test's script.
   */
  unoffered?: boolean;
}

/** A successful scripted answer. */
export interface ScriptedReply {
  /** A text block (before any tool_use blocks). */
  text?: string;
  toolUse?: ScriptedToolUse | ScriptedToolUse[];
  /** @defaultValue `tool_use` when the reply calls a tool, else `end_turn` */
  stopReason?: Anthropic.StopReason;
  stopSequence?: string;
  /** Overrides of the usage figures (by default estimated from the sizes, 4 chars a token). */
  usage?: Partial<Anthropic.Usage>;
  /** @defaultValue the request's model */
  model?: string;
  /** Hold the answer this long before sending it: a slow model call, still in flight. */
  delayMs?: number;
}

/** A scripted API failure (429 rate_limit_error, 529 overloaded_error, 500 api_error, ...). */
export interface ScriptedFailure {
  status: number;
  /** Seconds, sent as the `retry-after` header. */
  retryAfter?: number;
  /** @defaultValue the type the API uses for `status` */
  errorType?: string;
  message?: string;
}

export type ScriptedTurn =
  | ScriptedReply
  | ScriptedFailure
  | ((request: RecordedAnthropicRequest) => ScriptedReply | ScriptedFailure);

/** One request received, with what the fake answered. */
export interface RecordedAnthropicRequest {
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The parsed JSON body as sent (only guaranteed to be well-formed if the answer was 200). */
  body: Anthropic.MessageCreateParamsNonStreaming;
  at: Date;
  /** The answer; for a streamed reply, `body` is the message the events spell out. */
  response: { status: number; body: unknown; streamed: boolean };
}

/** What the fake answers one request with. */
interface Answer {
  /** The parsed request body, or `{}` if it did not parse. */
  request: unknown;
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** A reply sent as server-sent events, because the request asked for `stream: true`. */
  streamed: boolean;
}

export interface FakeAnthropicApiOptions {
  /** The only API key accepted; by default any non-empty key. */
  apiKey?: string;
}

/** The API version whose requests must not carry sampling parameters. */
const SAMPLING_REMOVED_IN = '2026-10-21';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/** Starts a fake Anthropic API on 127.0.0.1 (a free port). */
export async function startFakeAnthropicApi(
  options: FakeAnthropicApiOptions = {},
): Promise<FakeAnthropicApi> {
  const fake = new FakeAnthropicApi(options);
  await fake.listen();
  return fake;
}

/** An API error the fake answers with. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly errorType = ERROR_TYPES[status] ?? 'api_error',
  ) {
    super(message);
  }
}

export class FakeAnthropicApi {
  /** Every request received, oldest first. Cleared in place by `reset()`. */
  readonly requests: RecordedAnthropicRequest[] = [];
  private readonly server: Server;
  private origin = '';
  private turns: ScriptedTurn[] = [];
  private answered = 0;

  constructor(private readonly options: FakeAnthropicApiOptions = {}) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake-anthropic: ${error instanceof Error ? error.stack : String(error)}`);
      });
    });
  }

  /** `http://127.0.0.1:port`: the SDK's `baseURL`. */
  get baseUrl(): string {
    return this.origin;
  }

  /** Scripted turns not yet played. */
  get remainingTurns(): number {
    return this.turns.length;
  }

  /** @internal */
  async listen(): Promise<void> {
    this.origin = await listenOnLoopback(this.server);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  /** Replaces the turns still to play: one per valid request, in order. */
  script(turns: readonly ScriptedTurn[]): void {
    this.turns = [...turns];
  }

  /** Forgets the requests and the script. */
  reset(): void {
    this.requests.length = 0;
    this.turns = [];
    this.answered = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', this.origin).pathname;
    const rawBody = await readBody(req);
    const headers = lowerCaseHeaders(req);
    const answer = await this.answer(method, path, headers, rawBody, res);
    const requestId = `req_${randomId()}`;
    const responseHeaders = { 'request-id': requestId, ...answer.headers };
    if (answer.streamed) {
      writeMessageStream(res, responseHeaders, answer.body);
    } else {
      if (answer.body.type === 'error') answer.body.request_id = requestId;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...responseHeaders });
      res.end(JSON.stringify(answer.body));
    }
    this.requests.push({
      method,
      path,
      headers,
      body: answer.request as Anthropic.MessageCreateParamsNonStreaming,
      at: new Date(),
      response: { status: answer.status, body: answer.body, streamed: answer.streamed },
    });
  }

  /** Validates and plays one request: the scripted reply, or the API error it earns. */
  private async answer(
    method: string,
    path: string,
    headers: Record<string, string>,
    rawBody: string,
    res: ServerResponse,
  ): Promise<Answer> {
    let request: unknown = {};
    try {
      request = this.parseAndValidate(method, path, headers, rawBody);
      const recorded = { method, path, headers, body: request, at: new Date() };
      const played = this.play(recorded as RecordedAnthropicRequest);
      if (played.delayMs) await holdOpen(res, played.delayMs);
      const streamed = isRecord(request) && request.stream === true;
      return { request, status: 200, headers: {}, body: played.body, streamed };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const body = errorBody(error);
      return { request, status: error.status, headers: error.headers, body, streamed: false };
    }
  }

  /** Checks the request like the API does; returns the parsed body. */
  private parseAndValidate(
    method: string,
    path: string,
    headers: Record<string, string>,
    rawBody: string,
  ): Record<string, unknown> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    // SDK 1.x (API version 2026-10-21) sends the key as a bearer token; older ones as x-api-key.
    const apiKey = headers['x-api-key'] ?? bearer;
    if (!apiKey) throw new ApiError(401, 'x-api-key header is required');
    if (this.options.apiKey !== undefined && apiKey !== this.options.apiKey) {
      throw new ApiError(401, 'invalid x-api-key');
    }
    if (method !== 'POST' || path !== '/v1/messages') {
      throw new ApiError(
        404,
        `fake-anthropic: only POST /v1/messages exists (got ${method} ${path})`,
      );
    }
    const version = headers['anthropic-version'];
    if (!version) throw new ApiError(400, 'anthropic-version: header is required');
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw new ApiError(400, 'There was an error parsing the body');
    }
    if (!isRecord(body)) throw new ApiError(400, 'The request body must be a JSON object');
    validateBody(body, version);
    return body;
  }

  private play(request: RecordedAnthropicRequest): {
    body: Record<string, unknown>;
    delayMs?: number;
  } {
    const next = this.turns.shift();
    if (next === undefined) {
      throw new ApiError(
        500,
        `fake-anthropic: script exhausted after ${this.answered} scripted turns; ` +
          'give more turns with fake.script([...])',
      );
    }
    this.answered += 1;
    const turn = typeof next === 'function' ? next(request) : next;
    if ('status' in turn) {
      const headers: Record<string, string> = {};
      if (turn.retryAfter !== undefined) headers['retry-after'] = String(turn.retryAfter);
      throw new ApiError(
        turn.status,
        turn.message ?? defaultFailureMessage(turn.status),
        headers,
        turn.errorType,
      );
    }
    return { body: replyBody(turn, request.body), delayMs: turn.delayMs };
  }
}

/** Waits `ms`, or less if the client hangs up first (a killed worker): nothing is left pending. */
function holdOpen(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function replyBody(
  turn: ScriptedReply,
  body: Anthropic.MessageCreateParamsNonStreaming,
): Record<string, unknown> {
  const toolUses = turn.toolUse === undefined ? [] : [turn.toolUse].flat();
  const offered = (body.tools ?? []).flatMap((tool) => ('name' in tool ? [tool.name] : []));
  for (const toolUse of toolUses) {
    if (!toolUse.unoffered && !offered.includes(toolUse.name)) {
      throw new ApiError(
        500,
        `fake-anthropic: the script calls tool '${toolUse.name}' but the request offers ` +
          `${offered.length === 0 ? 'no tools' : offered.join(', ')}`,
      );
    }
  }
  const content: Record<string, unknown>[] = [];
  if (turn.text !== undefined) content.push({ type: 'text', text: turn.text, citations: null });
  for (const toolUse of toolUses) {
    content.push({
      type: 'tool_use',
      id: toolUse.id ?? `toolu_01${randomId()}`,
      name: toolUse.name,
      input: toolUse.input,
      caller: { type: 'direct' },
    });
  }
  const stopReason = turn.stopReason ?? (toolUses.length > 0 ? 'tool_use' : 'end_turn');
  const inputSize = JSON.stringify([body.system ?? '', body.messages, body.tools ?? []]).length;
  const outputSize = (turn.text ?? '').length + JSON.stringify(toolUses).length;
  return {
    id: `msg_01${randomId()}`,
    type: 'message',
    role: 'assistant',
    model: turn.model ?? body.model,
    content,
    stop_reason: stopReason,
    stop_sequence: turn.stopSequence ?? null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: Math.ceil(inputSize / 4),
      output_tokens: Math.max(1, Math.ceil(outputSize / 4)),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
      server_tool_use: null,
      service_tier: 'standard',
      inference_geo: null,
      output_tokens_details: null,
      speed: null,
      ...turn.usage,
    },
  };
}

/** The checks the API makes on a Messages request body, with its error messages. */
function validateBody(body: Record<string, unknown>, version: string): void {
  if (body.stream !== undefined && typeof body.stream !== 'boolean') {
    throw new ApiError(400, 'stream: Input should be a valid boolean');
  }
  if (typeof body.model !== 'string' || body.model === '') {
    throw new ApiError(400, 'model: Field required');
  }
  if (body.max_tokens === undefined) throw new ApiError(400, 'max_tokens: Field required');
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) {
    throw new ApiError(400, 'max_tokens: Input should be greater than or equal to 1');
  }
  if (version >= SAMPLING_REMOVED_IN) {
    for (const key of ['temperature', 'top_p', 'top_k']) {
      if (key in body) {
        throw new ApiError(400, `${key}: not supported in API version ${version}`);
      }
    }
  }
  validateTools(body.tools);
  validateMessages(body.messages);
}

function validateTools(tools: unknown): void {
  if (tools === undefined) return;
  if (!Array.isArray(tools)) throw new ApiError(400, 'tools: Input should be a valid list');
  const names = new Set<string>();
  tools.forEach((tool: unknown, index) => {
    if (!isRecord(tool)) throw new ApiError(400, `tools.${index}: Input should be an object`);
    const isCustom = tool.type === undefined || tool.type === 'custom';
    const name = tool.name;
    if (typeof name !== 'string' || (isCustom && !TOOL_NAME.test(name))) {
      throw new ApiError(
        400,
        `tools.${index}.custom.name: String should match pattern '${TOOL_NAME.source}'`,
      );
    }
    if (isCustom && !isRecord(tool.input_schema)) {
      throw new ApiError(400, `tools.${index}.custom.input_schema: Field required`);
    }
    if (names.has(name)) throw new ApiError(400, 'tools: Tool names must be unique.');
    names.add(name);
  });
}

function validateMessages(messages: unknown): void {
  if (messages === undefined) throw new ApiError(400, 'messages: Field required');
  if (!Array.isArray(messages)) throw new ApiError(400, 'messages: Input should be a valid list');
  if (messages.length === 0) {
    throw new ApiError(400, 'messages: at least one message is required');
  }
  let previous: { index: number; role: string; toolUseIds: string[] } | undefined;
  messages.forEach((message: unknown, index) => {
    if (!isRecord(message)) throw new ApiError(400, `messages.${index}: Input should be an object`);
    const { role, content } = message;
    if (role !== 'user' && role !== 'assistant' && role !== 'system') {
      throw new ApiError(
        400,
        `messages.${index}.role: Input should be 'user', 'assistant' or 'system'`,
      );
    }
    const blocks = contentBlocks(content, index, role);
    if (role === 'system') return; // system messages sit outside the user/assistant turns
    if (previous === undefined && role !== 'user') {
      throw new ApiError(400, `messages.${index}: the first message must use the "user" role`);
    }
    if (previous !== undefined && previous.role === role) {
      throw new ApiError(
        400,
        `messages: roles must alternate between "user" and "assistant", but found multiple ` +
          `"${role}" roles in a row`,
      );
    }
    const toolResultIds = blocks
      .map((block, blockIndex) => ({ block, blockIndex }))
      .filter(({ block }) => block.type === 'tool_result');
    const expected = previous?.toolUseIds ?? [];
    for (const { block, blockIndex } of toolResultIds) {
      if (!expected.includes(String(block.tool_use_id))) {
        throw new ApiError(
          400,
          `messages.${index}.content.${blockIndex}: unexpected \`tool_use_id\` found in ` +
            `\`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block ` +
            'must have a corresponding `tool_use` block in the previous message.',
        );
      }
    }
    const answered = new Set(toolResultIds.map(({ block }) => String(block.tool_use_id)));
    const unanswered = expected.filter((id) => !answered.has(id));
    if (unanswered.length > 0) {
      throw new ApiError(400, unansweredToolUseMessage(index, unanswered));
    }
    const toolUseIds = blocks
      .filter((block) => block.type === 'tool_use')
      .map((block) => String(block.id));
    previous = { index, role, toolUseIds };
  });
  if (previous && previous.toolUseIds.length > 0) {
    throw new ApiError(400, unansweredToolUseMessage(previous.index + 1, previous.toolUseIds));
  }
}

function unansweredToolUseMessage(index: number, ids: string[]): string {
  return (
    `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately ` +
    `after: ${ids.join(', ')}. Each \`tool_use\` block must have a corresponding ` +
    '`tool_result` block in the next message.'
  );
}

function contentBlocks(content: unknown, index: number, role: string): Record<string, unknown>[] {
  if (typeof content === 'string') {
    if (content === '' && role !== 'assistant') {
      throw new ApiError(400, `messages.${index}: ${role} messages must have non-empty content`);
    }
    return [];
  }
  if (!Array.isArray(content)) {
    throw new ApiError(400, `messages.${index}.content: Field required`);
  }
  if (content.length === 0 && role !== 'assistant') {
    throw new ApiError(400, `messages.${index}: ${role} messages must have non-empty content`);
  }
  return content.map((block: unknown, blockIndex) => {
    if (!isRecord(block) || typeof block.type !== 'string') {
      throw new ApiError(400, `messages.${index}.content.${blockIndex}.type: Field required`);
    }
    return block;
  });
}

function errorBody(error: ApiError): Record<string, unknown> {
  return { type: 'error', error: { type: error.errorType, message: error.message } };
}

function defaultFailureMessage(status: number): string {
  switch (status) {
    case 429:
      return 'fake-anthropic: scripted rate limit';
    case 529:
      return 'Overloaded';
    default:
      return `fake-anthropic: scripted HTTP ${status}`;
  }
}

function lowerCaseHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = [value].flat().join(', ');
  }
  return headers;
}

/** 22 characters of base62-looking randomness, as in `msg_01...` / `toolu_01...` ids. */
function randomId(): string {
  return randomBytes(24).toString('base64').replace(/[+/=]/g, '').slice(0, 22);
}
