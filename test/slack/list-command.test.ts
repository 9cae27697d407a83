import path from 'node:path';
import { validateMessageBlocks } from '../support/block-kit-limits';
import { type Harness, startHarness } from '../support/countersign-harness';

const WORKFLOWS = path.join(__dirname, '../fixtures/access-workflows');

interface ListAnswer {
  response_type: string;
  text: string;
  blocks: unknown[];
}

describe('/countersign list', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('list_command', {
      workflowsDir: WORKFLOWS,
      // 0: every list asks Slack afresh, so each test sets the groups it needs.
      env: { COUNTERSIGN_ADMINS: 'U0ADMIN', USERGROUP_CACHE_TTL_MS: '0' },
    });
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => h.slack.reset());

  /** The list as the user sees it: every block's text, in order; checked against Slack's limits. */
  async function list(
    user: string,
    channel = 'C0GENERAL',
  ): Promise<{ shown: string; text: string }> {
    const response = await h.slash({ text: 'list', user_id: user, channel_id: channel });
    expect(response.status).toBe(200);
    expect(response.ms).toBeLessThan(3000);
    const answer = response.json as ListAnswer;
    expect(answer.response_type).toBe('ephemeral');
    expect(validateMessageBlocks(answer.blocks)).toEqual([]);
    return { shown: JSON.stringify(answer.blocks), text: answer.text };
  }

  const listed = (shown: string) =>
    [...shown.matchAll(/\*([a-z][a-z0-9-]+)\*/g)].map((match) => match[1]);

  it('shows only the workflows the user may run here, each with its usage and inputs', async () => {
    h.slack.setUsergroup('S0SRE', ['U0SRE']);
    const { shown, text } = await list('U0ADA');
    expect(listed(shown)).toEqual(['open-door']);
    expect(text).toContain('open-door');
    expect(shown).toContain('Anyone may run this one');
    expect(shown).toContain(
      '`/countersign run open-door target=&lt;string&gt; [mode=gently|wide] [count=&lt;number&gt;]`',
    );
    expect(shown).toContain('• `target` string, required — What to open');
    expect(shown).toContain('• `mode` one of gently, wide, default `gently` — How far');
    expect(shown).toContain('• `count` number, optional');
  });

  it('adds the workflows of the user’s groups, of the channel, and those naming the user', async () => {
    h.slack.setUsergroup('S0SRE', ['U0SRE']);
    expect(listed((await list('U0SRE')).shown)).toEqual(['by-group', 'open-door']);
    expect(listed((await list('U0ADA', 'C0OPS')).shown)).toEqual(['by-channel', 'open-door']);
    expect(listed((await list('U0GRACE')).shown)).toEqual(['by-user', 'open-door']);
  });

  it('leaves out what it could not check when Slack does not answer about groups, and says so', async () => {
    h.slack.setUsergroup('S0SRE', ['U0SRE']);
    h.slack.failNext('usergroups.users.list', { status: 503 }, 2);
    const { shown } = await list('U0SRE');
    expect(listed(shown)).toEqual(['open-door']);
    expect(shown).toContain('One workflow could not be checked right now');
    expect(shown).not.toContain('by-group');
  });

  it('shows an admin the manifests that failed to load, with every problem', async () => {
    const { shown } = await list('U0ADMIN');
    expect(listed(shown)).toContain('open-door');
    expect(shown).toContain('*Broken manifests* (only admins see this): 1 file was skipped');
    expect(shown).toContain(
      'broken.yaml:1:7  name  must be 2-63 lowercase letters, digits or -, starting with a letter',
    );
    expect(shown).toContain('broken.yaml:3:1  colour  unknown key \\"colour\\"');
  });

  it('never shows the broken manifests to anyone else', async () => {
    for (const user of ['U0ADA', 'U0GRACE']) {
      const { shown, text } = await list(user);
      expect(shown).not.toContain('Broken manifests');
      expect(shown + text).not.toContain('broken.yaml');
    }
  });
});
