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
