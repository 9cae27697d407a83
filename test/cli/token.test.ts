import path from 'node:path';
import { identifyCaller } from '../../src/gateway/identify-caller';
import type { GatewayToken } from '../../src/gateway/ports';
import { tokenHash } from '../../src/gateway/tokens';
import { type Database, openDatabase } from '../../src/store/database';
import { loadWorkflows } from '../../src/workflows/load-workflows';
import { runCountersign } from '../support/countersign-cli';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

const WORKFLOWS = path.join(__dirname, '../fixtures/gateway-workflows');
const DAY = 86_400_000;

describe('countersign token create, list and revoke', () => {
  let db: Database;
  let uri: string;
  const env = () => ({
    MONGODB_URI: uri,
    AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
    WORKFLOWS_DIR: WORKFLOWS,
  });
  const token = (...args: string[]) => runCountersign(['token', ...args], env());

  beforeAll(async () => {
    uri = testMongoUri(uniqueName('token_cli'));
    db = await openDatabase(uri, { auditHmacKey: TEST_AUDIT_HMAC_KEY });
  });
  afterAll(async () => {
    await db.connection.dropDatabase();
    await db.close();
  });

  /** What the gateway makes of a token's text: the caller it names, or why it refuses it. */
  async function identify(text: string) {
    const catalog = await loadWorkflows(WORKFLOWS);
    return identifyCaller(
      {
        tokens: db.tokens,
        catalog: () => catalog,
        groups: { directory: { members: async () => new Set<string>() }, timeoutMs: 100 },
        audit: db.audit,
        clock: () => new Date(),
      },
      text,
      'test',
    );
  }

  const events = (type: string) =>
    db.connection.collection('audit_events').find({ type }).toArray();

  it('prints the token once, on one line and nothing else on stdout; the token then authenticates', async () => {
    const made = await token('create', 'coding', '--user', 'U0ADA', '--label', 'laptop');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^cst_[A-Za-z0-9_-]{32}\n$/);
    const text = made.stdout.trim();
    expect(made.stderr).toMatch(
      /^token tok_[0-9a-f]{12} for U0ADA on workflow coding \(does not expire\); it is shown only once/,
    );
    expect(made.stderr).not.toContain(text);

    const caller = await identify(text);
    expect(caller).toMatchObject({
      ok: true,
      caller: {
        token: { userId: 'U0ADA', workflow: 'coding', label: 'laptop', createdBy: 'cli' },
      },
    });
    const id = caller.ok ? caller.caller.token.id : '';
    expect(made.stderr).toContain(id);

    const created = await events('token.created');
    expect(created).toEqual([
      expect.objectContaining({
        actor: 'cli',
        workflow: 'coding',
        details: { tokenId: id, userId: 'U0ADA', headless: false, label: 'laptop' },
      }),
    ]);
    const stored = JSON.stringify([
      await db.connection.collection('gateway_tokens').find().toArray(),
      await db.connection.collection('audit_events').find().toArray(),
    ]);
    expect(stored).toContain(tokenHash(text));
    expect(stored).not.toContain(text);
  });

  it('makes a headless token that expires when --expires says', async () => {
    const before = Date.now();
    const made = await token(
      'create',
      'by-user',
      '--user',
      'U0ADA',
      '--expires',
      '90d',
      '--headless',
    );
    expect(made.code).toBe(0);
    expect(made.stderr).toMatch(/expires \d{4}-\d\d-\d\d \d\d:\d\dZ, headless\)/);
    const stored = await db.tokens.byHash(tokenHash(made.stdout.trim()));
    expect(stored?.headless).toBe(true);
    const expiresAt = stored?.expiresAt?.getTime() ?? 0;
    expect(expiresAt).toBeGreaterThanOrEqual(before + 90 * DAY);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 90 * DAY);
  });

  it.each([
    [
      'an unknown workflow',
      ['create', 'nope', '--user', 'U0ADA'],
      `no workflow "nope" in WORKFLOWS_DIR=${WORKFLOWS} (workflows: `,
    ],
    [
      'a workflow without a gateway block',
      ['create', 'runbook', '--user', 'U0ADA'],
      'workflow "runbook" has no gateway block',
    ],
    [
      'a person access does not name',
      ['create', 'by-user', '--user', 'U0EVE'],
      'U0EVE is not in access.users of "by-user", and its user groups (S0SRE) cannot be looked up without Slack: add U0EVE to access.users, or have them run /countersign token by-user in Slack',
    ],
    [
      'access by user group only',
      ['create', 'by-group', '--user', 'U0SRE'],
      'cannot be looked up without Slack',
    ],
    [
      'a --user that is no Slack user id',
      ['create', 'coding', '--user', 'ada'],
      '--user must be a Slack user id such as U0123ABCD (got "ada")',
    ],
    [
      'an --expires that is no duration',
      ['create', 'coding', '--user', 'U0ADA', '--expires', '90 days'],
      '--expires must be a duration from 1s to 3650d, e.g. 90d or 12h (got "90 days")',
    ],
    ['a missing --user', ['create', 'coding'], "required option '--user <id>' not specified"],
    [
      'a malformed token id',
      ['revoke', 'cst_abc'],
      'a token id is tok_ and 12 hex digits, as token list shows it',
    ],
  ])('refuses %s with one line and exit 2, making nothing', async (_name, args, message) => {
    const before = await db.tokens.list();
    const result = await token(...args);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining(message),
    });
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^countersign: /);
    expect(await db.tokens.list()).toEqual(before);
  });

  it('needs AUDIT_HMAC_KEY to make a token, and says so', async () => {
    const result = await runCountersign(['token', 'create', 'coding', '--user', 'U0ADA'], {
      MONGODB_URI: uri,
      WORKFLOWS_DIR: WORKFLOWS,
    });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'countersign: AUDIT_HMAC_KEY is required\n',
    });
  });

  it('lists tokens with their status, and never a token itself', async () => {
    const listDb = testMongoUri(uniqueName('token_list'));
    const other = await openDatabase(listDb, { auditHmacKey: TEST_AUDIT_HMAC_KEY });
    try {
      const at = (day: number) => new Date(Date.now() + day * DAY);
      const record = (id: string, workflow: string, extra: Partial<GatewayToken>) =>
        other.tokens.create({
          id,
          hash: tokenHash(`cst_${id}`),
          workflow,
          userId: 'U0ADA',
          headless: false,
          createdBy: 'cli',
          createdAt: at(-3),
          ...extra,
        });
      await record('tok_00000000000a', 'coding', { label: 'laptop', createdAt: at(-3) });
      await record('tok_00000000000b', 'coding', { expiresAt: at(-1), createdAt: at(-2) });
      await record('tok_00000000000c', 'by-user', {
        headless: true,
        revokedAt: at(-1),
        revokedBy: 'cli',
        createdAt: at(-1),
      });

      const all = await runCountersign(['token', 'list'], { MONGODB_URI: listDb });
      expect(all.code).toBe(0);
      const lines = all.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ID\s+WORKFLOW\s+USER\s+LABEL\s+CREATED\s+EXPIRES\s+STATUS$/);
      expect(lines.slice(1).map((line) => line.split(/\s{2,}/))).toEqual([
        [
          'tok_00000000000c',
          'by-user',
          'U0ADA',
          '- (headless)',
          expect.any(String),
          '-',
          'revoked',
        ],
        [
          'tok_00000000000b',
          'coding',
          'U0ADA',
          '-',
          expect.any(String),
          expect.any(String),
          'expired',
        ],
        ['tok_00000000000a', 'coding', 'U0ADA', 'laptop', expect.any(String), '-', 'active'],
      ]);
      expect(all.stdout).not.toContain('cst_');

      const coding = await runCountersign(['token', 'list', '--workflow', 'by-user'], {
        MONGODB_URI: listDb,
      });
      expect(coding.stdout.trimEnd().split('\n').slice(1)).toEqual([
        expect.stringMatching(/^tok_00000000000c /),
      ]);
    } finally {
      await other.connection.dropDatabase();
      await other.close();
    }
  });

  it('revokes a token once: the gateway refuses it from then on, and the revoke is audited', async () => {
    const made = await token('create', 'coding', '--user', 'U0GRACE');
    const text = made.stdout.trim();
    const id = (await db.tokens.byHash(tokenHash(text)))?.id ?? '';

    expect(await token('revoke', id)).toEqual({
      code: 0,
      stdout: `revoked ${id} (U0GRACE on workflow coding)\n`,
      stderr: '',
    });
    expect(await identify(text)).toMatchObject({ ok: false, why: 'revoked' });
    expect((await events('token.revoked')).map((event) => event.details)).toEqual([
      { tokenId: id, userId: 'U0GRACE' },
    ]);

    const again = await token('revoke', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      new RegExp(`^countersign: token ${id} was revoked already on .+Z by cli\\n$`),
    );
    expect(await events('token.revoked')).toHaveLength(1);
  });

  it('says there is no such token, exit 1, for an id it never made', async () => {
    expect(await token('revoke', 'tok_000000000000')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'countersign: no gateway token tok_000000000000 (see countersign token list)\n',
    });
  });
});
