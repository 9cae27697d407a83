import Anthropic from '@anthropic-ai/sdk';
import { createAnthropicClient, MissingApiKeyError } from '../../src/agent/anthropic-client';
import { loadConfig } from '../../src/config';
import { type FakeAnthropicApi, startFakeAnthropicApi } from '../support/fake-anthropic-api';
import { TEST_AUDIT_HMAC_KEY } from '../support/test-env';

describe('the Anthropic client of agent runs', () => {
  let fake: FakeAnthropicApi;
  beforeAll(async () => {
    fake = await startFakeAnthropicApi({ apiKey: 'sk-ant-test' });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const config = () =>
    loadConfig({
      SLACK_SIGNING_SECRET: 's',
      SLACK_BOT_TOKEN: 'xoxb-1',
      AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: fake.baseUrl,
    });

  it('talks to ANTHROPIC_BASE_URL with the configured key', async () => {
    fake.script([{ text: 'pong' }]);
    const client = createAnthropicClient(config());
    const message = await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'ping' }],
    });
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'pong' })]);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries an overloaded answer, then gives up with the SDK error', async () => {
    fake.script([{ status: 529 }, { status: 529 }]);
    const client = createAnthropicClient(config(), { maxRetries: 1 });
    await expect(
      client.messages.create({
        model: 'claude-sonnet-5-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    expect(fake.requests).toHaveLength(2);
  });

  it('refuses to build a client without an API key', () => {
    expect(() =>
      createAnthropicClient(
        loadConfig({
          SLACK_SIGNING_SECRET: 's',
          SLACK_BOT_TOKEN: 'xoxb-1',
          AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
        }),
      ),
    ).toThrow(MissingApiKeyError);
  });
});
