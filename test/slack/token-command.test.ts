import path from 'node:path';
import { identifyCaller } from '../../src/gateway/identify-caller';
import { tokenHash } from '../../src/gateway/tokens';
import { newTokenMessage, PLACEHOLDER_URL } from '../../src/slack/blocks/token-message';
import { openDatabase } from '../../src/store/database';
import { loadWorkflows } from '../../src/workflows/load-workflows';
import { validateMessageBlocks } from '../support/block-kit-limits';
import { type CommandAnswer, immediateAnswer, laterAnswer } from '../support/command-answers';
import { type Harness, startHarness } from '../support/countersign-harness';
import { TEST_AUDIT_HMAC_KEY } from '../support/test-env';

const WORKFLOWS = path.join(__dirname, '../fixtures/gateway-workflows');
const PUBLIC_URL = 'https://countersign.example.com';

/** Everything the person sees of an answer, as one string (blocks as Slack gets them). */
const shown = (answer: CommandAnswer) => `${answer.text}\n${JSON.stringify(answer.blocks ?? [])}`;

/** The token's text in an answer: in the `export COUNTERSIGN_TOKEN=…` line. */
function tokenIn(answer: CommandAnswer): string {
  const match = /export COUNTERSIGN_TOKEN=(cst_[A-Za-z0-9_-]+)/.exec(shown(answer));
  if (match?.[1] === undefined) throw new Error(`no token in ${shown(answer)}`);
  return match[1];
}

/** The settings block of an answer, parsed back from its code block. */
function settingsIn(answer: CommandAnswer): unknown {
  const blocks = (answer.blocks ?? []) as { text?: { text?: string } }[];
  const code = blocks
    .map((block) => block.text?.text ?? '')
    .find((text) => text.startsWith('```\n{'));
  const json = (code ?? '').replace(/^```\n/, '').replace(/```$/, '');
  return JSON.parse(json.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

describe('/countersign token <workflow>', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('token_command', {
      workflowsDir: WORKFLOWS,
      env: { COUNTERSIGN_PUBLIC_URL: PUBLIC_URL, USERGROUP_CACHE_TTL_MS: '0' },
    });
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => h.slack.reset());

  /** What the gateway makes of a token's text, against the stored tokens and the workflows. */
  async function identify(text: string) {
    const db = await openDatabase(h.mongoUri, { auditHmacKey: TEST_AUDIT_HMAC_KEY });
    try {
      const catalog = await loadWorkflows(WORKFLOWS);
      return await identifyCaller(
        {
          tokens: db.tokens,
          catalog: () => catalog,
          groups: { directory: { members: async () => new Set(['U0SRE']) }, timeoutMs: 500 },
          audit: db.audit,
          clock: () => new Date(),
        },
        text,
        'test',
      );
    } finally {
      await db.close();
    }
  }

  it('answers privately with a token bound to the person that the gateway accepts, and the settings to paste', async () => {
    const answer = await laterAnswer(h, 'token coding', 'U0ADA');

    const text = tokenIn(answer);
    const caller = await identify(text);
    expect(caller).toMatchObject({
      ok: true,
      caller: {
        token: { userId: 'U0ADA', workflow: 'coding', label: 'slack', createdBy: 'U0ADA' },
      },
    });
    expect(settingsIn(answer)).toEqual({
      hooks: {
        PreToolUse: [
          {
            matcher: '*',
            hooks: [
              {
                type: 'http',
                url: `${PUBLIC_URL}/gateway/claude-code`,
                timeout: 55, // the workflow's wait of 40 s, and 15 s more
                headers: { Authorization: 'Bearer $COUNTERSIGN_TOKEN' },
                allowedEnvVars: ['COUNTERSIGN_TOKEN'],
                onFailure: 'block',
              },
            ],
          },
        ],
      },
    });
    expect(shown(answer)).toContain('allowManagedHooksOnly');
    expect(shown(answer)).not.toContain('COUNTERSIGN_PUBLIC_URL');
  });

  it('audits the token made, and keeps its text out of the database and the logs', async () => {
    const answer = await laterAnswer(h, 'token coding', 'U0GRACE');
    const text = tokenIn(answer);
    expect((await identify(text)).ok).toBe(true);

    const events = await h.db
      .collection('audit_events')
      .find({ type: 'token.created', actor: 'U0GRACE' })
      .toArray();
    expect(events).toEqual([
      expect.objectContaining({
        workflow: 'coding',
        details: expect.objectContaining({ userId: 'U0GRACE', label: 'slack', headless: false }),
      }),
    ]);
    const doc = await h.db.collection('gateway_tokens').findOne({ hash: tokenHash(text) });
    if (doc === null) throw new Error('the token was not stored');
    const lifetime = (doc.expiresAt as Date).getTime() - (doc.createdAt as Date).getTime();
    expect(lifetime).toBe(90 * 24 * 60 * 60 * 1000); // a laptop's token does not outlive it
    const stored = JSON.stringify([
      await h.db.collection('gateway_tokens').find().toArray(),
      await h.db.collection('audit_events').find().toArray(),
    ]);
    expect(stored).toContain(tokenHash(text));
    expect(stored).not.toContain(text);
    expect(JSON.stringify(h.logs)).not.toContain(text);
  });

  it('makes a new token each time it is asked: one person may have one per machine', async () => {
    const first = tokenIn(await laterAnswer(h, 'token coding', 'U0ADA'));
    const second = tokenIn(await laterAnswer(h, 'token coding', 'U0ADA'));
    expect(second).not.toBe(first);
    expect((await identify(first)).ok).toBe(true);
    expect((await identify(second)).ok).toBe(true);
  });

  it('lets a member of a group that access names have one, as Slack says', async () => {
    h.slack.setUsergroup('S0SRE', ['U0SRE']);
    const answer = await laterAnswer(h, 'token by-group', 'U0SRE');
    expect(await identify(tokenIn(answer))).toMatchObject({ ok: true });
  });

  it.each([
    [
      'a workflow access does not let them use',
      'token by-user',
      'U0EVE',
      'There is no workflow "by-user" that you can use here.',
    ],
    [
      'a workflow that does not exist',
      'token nope',
      'U0ADA',
      'There is no workflow "nope" that you can use here.',
    ],
    [
      'a workflow with no gateway block',
      'token runbook',
      'U0ADA',
      '*runbook* is a workflow Countersign carries out itself, with no `gateway` block',
    ],
    [
      'no workflow',
      'token',
      'U0ADA',
      'Which workflow? Usage: `/countersign token &lt;workflow&gt;`',
    ],
    ['more than one word', 'token coding laptop', 'U0ADA', 'One workflow, nothing more.'],
  ])('refuses %s, privately, making no token', async (_name, text, user, refusal) => {
    const before = await h.db.collection('gateway_tokens').countDocuments();
    const answer = await immediateAnswer(h, text, user);
    expect(answer.text).toContain(refusal);
    expect(answer.text).not.toContain('cst_');
    expect(await h.db.collection('gateway_tokens').countDocuments()).toBe(before);
  });

  it('says the access could not be checked when Slack does not answer about groups', async () => {
    h.slack.failNext('usergroups.users.list', { status: 503 }, 3);
    const answer = await immediateAnswer(h, 'token by-group', 'U0SRE');
    expect(answer.text).toContain('could not check your access to "by-group" right now');
  });

  it('is listed in the help', async () => {
    expect((await immediateAnswer(h, 'help', 'U0ADA')).text).toContain(
      '`/countersign token &lt;workflow&gt;`',
    );
  });
});

describe('the answer with a new token, without COUNTERSIGN_PUBLIC_URL', () => {
  it('shows a placeholder address and says the admin must set it', () => {
    const message = newTokenMessage({
      token: {
        id: 'tok_0123456789ab',
        hash: 'h',
        workflow: 'coding',
        userId: 'U0ADA',
        label: 'slack',
        headless: false,
        createdBy: 'U0ADA',
        createdAt: new Date(),
      },
      text: 'cst_example',
      waitMs: 50_000,
    });
    expect(validateMessageBlocks(message.blocks ?? [])).toEqual([]);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('an admin must set `COUNTERSIGN_PUBLIC_URL`');
    expect(text).toContain('https://&lt;your countersign host&gt;/gateway/claude-code');
    expect(PLACEHOLDER_URL).toBe('https://<your countersign host>');
  });
});
