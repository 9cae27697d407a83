import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';

/**
 * What the model is told of an MCP tool's result: its text blocks as they are, the other blocks
 * described in a line (the model cannot use base64 data), the structured content as JSON when
 * there is no text. `isError` makes it a failed call.
 */
export function describeCallResult(result: CallToolResult): { ok: boolean; text: string } {
  const blocks = result.content;
  const hasText = blocks.some((block) => block.type === 'text' && block.text.length > 0);
  const parts = blocks.map(describeBlock);
  if (!hasText && result.structuredContent !== undefined) {
    parts.push(JSON.stringify(result.structuredContent));
  }
  const ok = result.isError !== true;
  const text = parts.join('\n');
  return { ok, text: text || (ok ? '' : 'the tool reported an error without a message') };
}

function describeBlock(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type}: ${block.mimeType}, ${Buffer.byteLength(block.data, 'base64')} bytes]`;
    case 'resource': {
      const { resource } = block;
      if ('text' in resource) return `[resource: ${resource.uri}]\n${resource.text}`;
      const size = Buffer.byteLength(resource.blob, 'base64');
      return `[resource: ${resource.uri}, ${resource.mimeType ?? 'binary'}, ${size} bytes]`;
    }
    case 'resource_link':
      return `[resource link: ${block.uri}${block.description ? ` (${block.description})` : ''}]`;
    default:
      return `[${(block as { type: string }).type} content]`;
  }
}

/** Cuts `text` to at most `maxBytes` of UTF-8 (never inside a character), with a marker. */
export function capOutput(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back up to the start of the character the cut falls in (continuation bytes are 10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}\n…(output cut: ${bytes.length - end} bytes not shown)`;
}
