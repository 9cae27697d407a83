import Anthropic, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  OverloadedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import { type FakeAnthropicApi, startFakeAnthropicApi } from './fake-anthropic-api';

const MODEL = 'claude-test-1';
const httpGetTool: Anthropic.Tool = {
  name: 'http_get',
  description: 'GET a URL',
  input_schema: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] },
};

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

function ask(
  messages: Anthropic.MessageParam[],
  extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {},
): Promise<Anthropic.Message> {
  return anthropic.messages.create({ model: MODEL, max_tokens: 1024, messages, ...extra });
}

async function failure(call: Promise<unknown>): Promise<APIError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof APIError)) {
    throw new Error(`expected an API error, got ${String(error)}`);
  }
  return error;
}

describe('the fake Anthropic Messages API', () => {
  it('plays a scripted tool call, then the final answer, through the real SDK', async () => {
    fake.script([
      {
        text: 'Checking the health endpoint.',
        toolUse: { name: 'http_get', input: { url: '/h' } },
      },
      { text: 'The service is healthy.' },
    ]);
    const question: Anthropic.MessageParam = { role: 'user', content: 'Is the API healthy?' };

    const first = await ask([question], { tools: [httpGetTool] });
    expect(first).toMatchObject({
      id: expect.stringMatching(/^msg_/),
      type: 'message',
      role: 'assistant',
      model: MODEL,
      stop_reason: 'tool_use',
      stop_sequence: null,
      content: [
        { type: 'text', text: 'Checking the health endpoint.' },
        {
          type: 'tool_use',
          id: expect.stringMatching(/^toolu_/),
          name: 'http_get',
          input: { url: '/h' },
        },
      ],
    });
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    if (toolUse?.type !== 'tool_use') throw new Error('expected a tool_use block');

    const second = await ask(
      [
        question,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '200 OK' }],
        },
      ],
      { tools: [httpGetTool] },
    );
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content).toEqual([
      { type: 'text', text: 'The service is healthy.', citations: null },
    ]);
    expect(fake.remainingTurns).toBe(0);
    expect(fake.requests).toHaveLength(2);
  });

  it('reports usage figures, scripted or estimated', async () => {
    fake.script([
      { text: 'hi', usage: { input_tokens: 1234, output_tokens: 56 } },
      { text: 'a longer answer than the first one' },
    ]);
    const scripted = await ask([{ role: 'user', content: 'hello' }]);
    expect(scripted.usage).toMatchObject({
      input_tokens: 1234,
      output_tokens: 56,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    const estimated = await ask([{ role: 'user', content: 'hello' }]);
    expect(estimated.usage.input_tokens).toBeGreaterThan(0);
    expect(estimated.usage.output_tokens).toBeGreaterThan(0);
  });

  it('answers a scripted max_tokens stop', async () => {
    fake.script([{ text: 'cut sh', stopReason: 'max_tokens' }]);
    const message = await ask([{ role: 'user', content: 'write a novel' }]);
    expect(message.stop_reason).toBe('max_tokens');
  });

  it('records each request with its parsed body and headers', async () => {
    fake.script([{ text: 'ok' }]);
    await ask([{ role: 'user', content: 'hello' }], { system: 'You are Countersign.' });
    const [request] = fake.requests;
    expect(request?.path).toBe('/v1/messages');
    expect(request?.body).toMatchObject({
      model: MODEL,
      max_tokens: 1024,
      system: 'You are Countersign.',
    });
    expect(request?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(request?.response.status).toBe(200);
  });

  it('lets a scripted turn look at the request it answers', async () => {
    fake.script([(request) => ({ text: `you sent ${request.body.messages.length} message(s)` })]);
    const message = await ask([{ role: 'user', content: 'count' }]);
    expect(message.content[0]).toMatchObject({ text: 'you sent 1 message(s)' });
  });

  describe('scripted failures reach the SDK as its own error classes', () => {
    it('429 is a RateLimitError carrying retry-after and a request id', async () => {
      fake.script([{ status: 429, retryAfter: 1 }]);
      const error = await failure(ask([{ role: 'user', content: 'hi' }]));
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error.status).toBe(429);
      expect(error.type).toBe('rate_limit_error');
      expect(error.headers?.get('retry-after')).toBe('1');
      expect(error.requestID).toMatch(/^req_/);
    });

    it('529 is an OverloadedError, an InternalServerError', async () => {
      fake.script([{ status: 529 }]);
      const error = await failure(ask([{ role: 'user', content: 'hi' }]));
      expect(error).toBeInstanceOf(OverloadedError);
      expect(error).toBeInstanceOf(InternalServerError);
      expect(error.type).toBe('overloaded_error');
    });

    it('500 is an InternalServerError of type api_error', async () => {
      fake.script([{ status: 500 }]);
      const error = await failure(ask([{ role: 'user', content: 'hi' }]));
      expect(error).toBeInstanceOf(InternalServerError);
      expect(error.type).toBe('api_error');
    });

    it('an SDK that retries gets past a 529 to the scripted answer', async () => {
      fake.script([{ status: 529, retryAfter: 0 }, { text: 'made it' }]);
      const retrying = new Anthropic({
        baseURL: fake.baseUrl,
        apiKey: 'sk-ant-test',
        maxRetries: 1,
      });
      const message = await retrying.messages.create({
        model: MODEL,
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(message.content[0]).toMatchObject({ text: 'made it' });
    });

    it('an exhausted script is a 500 that says so', async () => {
      const error = await failure(ask([{ role: 'user', content: 'hi' }]));
      expect(error).toBeInstanceOf(InternalServerError);
      expect(error.apiMessage).toContain('fake-anthropic: script exhausted');
    });
  });

  describe('validates requests like the API', () => {
    beforeEach(() => fake.script([{ text: 'should not be reached' }]));

    it('rejects a request without an API key with 401 authentication_error', async () => {
      const response = await fetch(`${fake.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: MODEL, max_tokens: 1, messages: [] }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('request-id')).toMatch(/^req_/);
      expect(await response.json()).toMatchObject({
        type: 'error',
        error: { type: 'authentication_error' },
      });
    });

    it('accepts the key as x-api-key as well as a bearer token', async () => {
      const response = await fetch(`${fake.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'sk-ant-test',
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify({
          model: MODEL,
          max_tokens: 1,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(response.status).toBe(200);
    });

    it('rejects a wrong key when one is configured', async () => {
      const strict = await startFakeAnthropicApi({ apiKey: 'sk-ant-right' });
      try {
        const wrong = new Anthropic({
          baseURL: strict.baseUrl,
          apiKey: 'sk-ant-wrong',
          maxRetries: 0,
        });
        const error = await failure(
          wrong.messages.create({
            model: MODEL,
            max_tokens: 1,
            messages: [{ role: 'user', content: 'x' }],
          }),
        );
        expect(error).toBeInstanceOf(AuthenticationError);
      } finally {
        await strict.close();
      }
    });

    it('requires the anthropic-version header', async () => {
      const response = await fetch(`${fake.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test' },
        body: JSON.stringify({
          model: MODEL,
          max_tokens: 1,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: {
          type: 'invalid_request_error',
          message: expect.stringContaining('anthropic-version'),
        },
      });
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['a missing model', { model: undefined }, 'model: Field required'],
      ['a missing max_tokens', { max_tokens: undefined }, 'max_tokens: Field required'],
      ['no messages', { messages: [] }, 'at least one message'],
      [
        'a first message from the assistant',
        { messages: [{ role: 'assistant', content: 'hi' }] },
        'first message must use the "user" role',
      ],
      [
        'two user messages in a row',
        {
          messages: [
            { role: 'user', content: 'a' },
            { role: 'user', content: 'b' },
          ],
        },
        'roles must alternate',
      ],
      [
        'a sampling parameter removed in API version 2026-10-21',
        { temperature: 0.2 },
        'temperature',
      ],
      ['a stream flag that is not a boolean', { stream: 'yes' }, 'stream: Input should be'],
    ])('rejects %s with 400 invalid_request_error', async (_name, override, message) => {
      const body = {
        model: MODEL,
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
        ...override,
      };
      const error = await failure(
        anthropic.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming),
      );
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.type).toBe('invalid_request_error');
      expect(error.apiMessage).toContain(message);
      expect(fake.remainingTurns).toBe(1);
    });

    describe('pairs every tool_use with a tool_result in the next message', () => {
      const toolUse = (id: string): Anthropic.ToolUseBlockParam => ({
        type: 'tool_use',
        id,
        name: 'http_get',
        input: { url: '/h' },
      });
      const result = (id: string): Anthropic.ToolResultBlockParam => ({
        type: 'tool_result',
        tool_use_id: id,
        content: 'ok',
      });
      const question: Anthropic.MessageParam = { role: 'user', content: 'go' };

      it('accepts results for every call, in any order', async () => {
        await expect(
          ask(
            [
              question,
              { role: 'assistant', content: [toolUse('toolu_a'), toolUse('toolu_b')] },
              { role: 'user', content: [result('toolu_b'), result('toolu_a')] },
            ],
            { tools: [httpGetTool] },
          ),
        ).resolves.toMatchObject({ content: [{ text: 'should not be reached' }] });
      });

      it('rejects a tool_use left without its tool_result', async () => {
        const error = await failure(
          ask(
            [
              question,
              { role: 'assistant', content: [toolUse('toolu_a'), toolUse('toolu_b')] },
              { role: 'user', content: [result('toolu_a')] },
            ],
            { tools: [httpGetTool] },
          ),
        );
        expect(error).toBeInstanceOf(BadRequestError);
        expect(error.apiMessage).toContain(
          'messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: ' +
            'toolu_b',
        );
      });

      it('rejects a conversation that ends on an unanswered tool_use', async () => {
        const error = await failure(
          ask([question, { role: 'assistant', content: [toolUse('toolu_a')] }], {
            tools: [httpGetTool],
          }),
        );
        expect(error.apiMessage).toContain(
          'without `tool_result` blocks immediately after: toolu_a',
        );
      });

      it('rejects a tool_result whose tool_use_id the previous message did not use', async () => {
        const error = await failure(
          ask(
            [
              question,
              { role: 'assistant', content: [toolUse('toolu_a')] },
              { role: 'user', content: [result('toolu_a'), result('toolu_zzz')] },
            ],
            { tools: [httpGetTool] },
          ),
        );
        expect(error).toBeInstanceOf(BadRequestError);
        expect(error.apiMessage).toContain(
          'messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_zzz',
        );
      });
    });

    it('answers 500 when the script calls a tool the request does not offer', async () => {
      fake.script([{ toolUse: { name: 'rm_rf', input: {} } }]);
      const error = await failure(ask([{ role: 'user', content: 'hi' }], { tools: [httpGetTool] }));
      expect(error).toBeInstanceOf(InternalServerError);
      expect(error.apiMessage).toContain("calls tool 'rm_rf' but the request offers http_get");
    });
  });
});
