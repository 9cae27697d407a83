/**
 * A whole Messages API answer told as the server-sent events the API streams for `stream: true`:
 * `message_start` (the message with no content yet), then per content block a
 * `content_block_start`, its `content_block_delta`s (`text_delta` / `input_json_delta`) and a
 * `content_block_stop`, then `message_delta` (stop reason, final usage) and `message_stop`, with
 * a `ping` after the start as the API sends. Each event is `event: <type>` plus `data: <json>`.
 *
 * Text and tool input are cut into a few deltas, so a client that shows only the first one, or
 * parses partial JSON too early, is caught.
 */
import type { ServerResponse } from 'node:http';

type Block = Record<string, unknown>;
type Usage = Record<string, unknown>;

/** The events that stream `message`, a complete Messages API response body, in order. */
export function messageStreamEvents(message: Record<string, unknown>): Block[] {
  const content = message.content as Block[];
  const usage = message.usage as Usage;
  const started = {
    ...message,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    stop_details: null,
    usage: { ...usage, output_tokens: 1 },
  };
  return [
    { type: 'message_start', message: started },
    { type: 'ping' },
    ...content.flatMap((block, index) => blockEvents(block, index)),
    {
      type: 'message_delta',
      delta: {
        stop_reason: message.stop_reason,
        stop_sequence: message.stop_sequence,
        stop_details: message.stop_details ?? null,
      },
      usage: finalUsage(usage),
    },
    { type: 'message_stop' },
  ];
}

/** Writes the events of `message` as an SSE response and ends it. */
export function writeMessageStream(
  res: ServerResponse,
  headers: Record<string, string>,
  message: Record<string, unknown>,
): void {
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  for (const event of messageStreamEvents(message)) {
    res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
  }
  res.end();
}

function blockEvents(block: Block, index: number): Block[] {
  const { start, deltas } = splitBlock(block);
  return [
    { type: 'content_block_start', index, content_block: start },
    ...deltas.map((delta) => ({ type: 'content_block_delta', index, delta })),
    { type: 'content_block_stop', index },
  ];
}

/** The block as `content_block_start` shows it (empty), and the deltas that fill it. */
function splitBlock(block: Block): { start: Block; deltas: Block[] } {
  if (block.type === 'text') {
    const { citations: _citations, ...rest } = block;
    return {
      start: { ...rest, text: '' },
      deltas: pieces(String(block.text)).map((text) => ({ type: 'text_delta', text })),
    };
  }
  if (block.type === 'tool_use') {
    return {
      start: { ...block, input: {} },
      deltas: pieces(JSON.stringify(block.input ?? {})).map((partial_json) => ({
        type: 'input_json_delta',
        partial_json,
      })),
    };
  }
  throw new Error(`fake-anthropic: cannot stream a ${String(block.type)} block`);
}

/** `text` in up to three pieces (at least one, even if empty). */
function pieces(text: string): string[] {
  const size = Math.max(1, Math.ceil(text.length / 3));
  const cut: string[] = [];
  for (let at = 0; at < text.length; at += size) cut.push(text.slice(at, at + size));
  return cut.length === 0 ? [''] : cut;
}

/** `message_delta`'s usage: the final output count, and the cumulative counters that apply. */
function finalUsage(usage: Usage): Usage {
  return {
    input_tokens: usage.input_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    output_tokens: usage.output_tokens,
    server_tool_use: usage.server_tool_use,
  };
}
