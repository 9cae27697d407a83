// The real SDK's stream parser is the oracle: what it assembles from the fake's server-sent
// events must be the scripted message, as the non-streaming answer gives it.
import Anthropic, { BadRequestError, RateLimitError } from '@anthropic-ai/sdk';
import { type FakeAnthropicApi, startFakeAnthropicApi } from './fake-anthropic-api';

const MODEL = 'claude-test-1';
const readTool: Anthropic.Tool = {
  name: 'Read',
  description: 'Read a file',
  input_schema: {
    type: 'object',
    properties: { file_path: { type: 'string' } },
    required: ['file_path'],
  },
};
const question: Anthropic.MessageParam = { role: 'user', content: 'What is in notes.txt?' };

let fake: FakeAnthropicApi;
let anthropic: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropicApi();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  anthropic = new Anthropic({ baseURL: fake.baseUrl, apiKey: 'sk-ant-test', maxRetries: 0 });
});

function stream(extra: Partial<Anthropic.MessageCreateParamsStreaming> = {}) {
  return anthropic.messages.stream({
    model: MODEL,
    max_tokens: 1024,
    messages: [question],
    tools: [readTool],
    ...extra,
  });
}

describe('the fake Anthropic API, streaming', () => {
  it('streams a text and a tool call that the SDK assembles into the scripted message', async () => {
    const input = { file_path: '/tmp/project/notes.txt', limit: 20 };
    fake.script([{ text: 'Reading the notes first.', toolUse: { name: 'Read', input } }]);
    const texts: string[] = [];
    const message = await stream()
      .on('text', (delta) => texts.push(delta))
      .finalMessage();

    expect(message).toMatchObject({
      id: expect.stringMatching(/^msg_/),
      role: 'assistant',
      model: MODEL,
      stop_reason: 'tool_use',
      stop_sequence: null,
      content: [
        { type: 'text', text: 'Reading the notes first.' },
        { type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'Read', input },
      ],
    });
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.join('')).toBe('Reading the notes first.');
    expect(fake.requests[0]?.response).toMatchObject({ status: 200, streamed: true });
    expect(fake.requests[0]?.body).toMatchObject({ stream: true });
  });

  it('sends the API events in order (the SDK drops pings), with the usage in message_delta', async () => {
    fake.script([{ text: 'hi', usage: { input_tokens: 321, output_tokens: 7 } }]);
    const events = await anthropic.messages.create({
      model: MODEL,
      max_tokens: 16,
      messages: [question],
      stream: true,
    });
    const seen: Anthropic.RawMessageStreamEvent[] = [];
    for await (const event of events) seen.push(event);

    expect(seen.map((event) => event.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta', // 'hi' comes in pieces, as real text does
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(seen[0]).toMatchObject({
      message: { content: [], stop_reason: null, usage: { input_tokens: 321 } },
    });
    expect(seen[1]).toMatchObject({ index: 0, content_block: { type: 'text', text: '' } });
    expect(seen[5]).toMatchObject({
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 7 },
    });
  });

  it('sends a ping after message_start, as the API does', async () => {
    fake.script([{ text: 'hi' }]);
    const response = await fetch(`${fake.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: MODEL, max_tokens: 16, messages: [question], stream: true }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const names = [...(await response.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names.slice(0, 2)).toEqual(['message_start', 'ping']);
    expect(names.at(-1)).toBe('message_stop');
  });

  it('still validates a streaming request, answering a plain JSON error', async () => {
    fake.script([{ text: 'never sent' }]);
    const error = await stream({ max_tokens: 0 })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(fake.remainingTurns).toBe(1);
  });

  it('answers a scripted failure with its HTTP status before any stream starts', async () => {
    fake.script([{ status: 429, retryAfter: 3 }]);
    const error = await stream()
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(fake.requests[0]?.response).toMatchObject({ status: 429, streamed: false });
  });
});
