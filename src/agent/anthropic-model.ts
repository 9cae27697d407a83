import Anthropic from '@anthropic-ai/sdk';
import { type AgentModel, ModelError, type ModelReply, type ModelRequest } from '../runs/ports';
import type { AgentMessage } from '../runs/run';
import type { Redactor } from '../shared/redactor';

/**
 * The agent's model through the Messages API. The SDK retries 429 and 5xx answers itself (with
 * their `retry-after`); what still fails after that becomes a ModelError the run reports.
 */
export class AnthropicModel implements AgentModel {
  constructor(
    private readonly client: Anthropic,
    /** Scrubs the whole request: tool outputs were scrubbed already, an MCP server's own tool descriptions were not. */
    private readonly redactor: Redactor,
  ) {}

  async respond(unscrubbed: ModelRequest, signal?: AbortSignal): Promise<ModelReply> {
    const request = this.redactor.scrubDeep(unscrubbed);
    let message: Anthropic.Message;
    try {
      message = await this.client.messages.create(
        {
          model: request.model,
          max_tokens: request.maxTokens,
          system: request.system,
          tools: request.tools.map((tool) => ({
            name: tool.modelName,
            ...(tool.description ? { description: tool.description } : {}),
            input_schema: tool.inputSchema as Anthropic.Tool.InputSchema,
          })),
          messages: request.messages as Anthropic.MessageParam[],
        },
        signal ? { signal } : {},
      );
    } catch (error) {
      if (error instanceof Anthropic.APIUserAbortError) throw error;
      if (error instanceof Anthropic.APIConnectionError) {
        throw new ModelError(`could not reach the model API (${error.message})`);
      }
      if (error instanceof Anthropic.APIError) {
        const type = (error.error as { error?: { type?: string } } | undefined)?.error?.type;
        const detail = (error.error as { error?: { message?: string } } | undefined)?.error
          ?.message;
        throw new ModelError(
          `${error.status ?? 'no status'} ${type ?? 'error'}${detail ? `: ${detail}` : ''}${error.requestID ? ` (request ${error.requestID})` : ''}`,
        );
      }
      throw error;
    }
    return {
      message: {
        role: 'assistant',
        // The API refuses an empty text block when the transcript is sent back.
        content: message.content.filter(
          (block) => block.type !== 'text' || block.text !== '',
        ) as AgentMessage['content'],
      },
      stopReason: message.stop_reason,
      usage: {
        inputTokens:
          message.usage.input_tokens +
          (message.usage.cache_creation_input_tokens ?? 0) +
          (message.usage.cache_read_input_tokens ?? 0),
        outputTokens: message.usage.output_tokens,
      },
    };
  }
}
