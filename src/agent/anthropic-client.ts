import Anthropic from '@anthropic-ai/sdk';
import type { Config } from '../config';

/** Raised when an agent workflow runs without an API key configured. */
export class MissingApiKeyError extends Error {
  override readonly name = 'MissingApiKeyError';
}

/**
 * The Messages API client of agent runs, honouring ANTHROPIC_BASE_URL (proxies, tests).
 * Retries of 429/5xx are the SDK's own; the run decides what happens after them.
 */
export function createAnthropicClient(
  config: Pick<Config, 'ANTHROPIC_API_KEY' | 'ANTHROPIC_BASE_URL'>,
  options: { maxRetries?: number; timeoutMs?: number } = {},
): Anthropic {
  if (config.ANTHROPIC_API_KEY === undefined) {
    throw new MissingApiKeyError('ANTHROPIC_API_KEY is not set; agent workflows need it');
  }
  return new Anthropic({
    apiKey: config.ANTHROPIC_API_KEY,
    ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}),
    maxRetries: options.maxRetries ?? 2,
    timeout: options.timeoutMs ?? 120_000,
  });
}
