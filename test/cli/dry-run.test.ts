import { access, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { dryRunInTerminal } from '../../src/cli/dry-run';
import { Redactor } from '../../src/shared/redactor';
import { ManifestToolRunner } from '../../src/tools/manifest-tool-runner';
import { SecretBroker } from '../../src/tools/secret-broker';

const redactor = new Redactor();

const fixtures = path.join(__dirname, '../fixtures/dry-run');
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

async function dryRun(workflow: string, words: string[], dir = fixtures) {
  let output = '';
  const code = await dryRunInTerminal({
    dir,
    workflow,
    words,
    tools: new ManifestToolRunner({
      secrets: new SecretBroker({ variables: new Map(), redactor }),
      redactor,
      log: pino({ level: 'silent' }),
    }),
    write: (text) => {
      output += text;
    },
  });
  return { code, output };
}

describe('countersign run --dry-run, in the terminal', () => {
  it('runs the low-risk calls, simulates the high-risk one and says who would approve it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-dry-'));
    const { code, output } = await dryRun('deploy', [`dir=${dir}`]);
    expect(code).toBe(0);
    expect(output).toContain('1/3 check  ran: ok\n    checked\n');
    expect(output).toContain(
      '2/3 deploy  simulated: high risk: would wait for 1 approval from U0LEAD, members of S0SRE, card in C0APPROVALS, expiring after 30m\n',
    );
    expect(output).toContain(
      '3/3 notify  simulated: not run: it needs secrets, which a dry run does not resolve\n',
    );
    expect(output).toContain('Dry run finished: 1 call(s) ran, 2 simulated.\n');
    expect(await exists(path.join(dir, 'checked'))).toBe(true);
    expect(await exists(path.join(dir, 'deployed'))).toBe(false);
  });

  it("describes what an agent workflow's tools would be allowed to do", async () => {
    const { code, output } = await dryRun('investigate', []);
    expect(code).toBe(0);
    expect(output).toContain('• read_logs: low risk: would run at once\n');
    expect(output).toContain(
      '• restart: high risk: would wait for 1 approval from U0LEAD, expiring after 1h\n',
    );
    expect(output).toContain(
      '• github (MCP server): low: get_*, list_*; deny: delete_*; any other tool: high\n',
    );
  });

  it('refuses bad inputs with the usage line, and names the workflows it knows', async () => {
    const bad = await dryRun('deploy', ['dri=/tmp']);
    expect(bad.code).toBe(2);
    expect(bad.output).toBe(
      'Cannot start deploy:\n  unknown input "dri" (inputs: dir)\n  dir is required\nUsage: countersign run --dry-run deploy dir=<string>\n',
    );
    const unknown = await dryRun('deplyo', []);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('No valid workflow "deplyo"');
    expect(unknown.output).toContain('Workflows: deploy, investigate');
  });

  it('shows the problems of the broken file named like the workflow, and only those', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-dry-broken-'));
    await writeFile(path.join(dir, 'demo.yml'), 'name: demo\ncolour: blue\n');
    await writeFile(path.join(dir, 'predemo.yaml'), 'name: predemo\nshape: round\n');
    const { code, output } = await dryRun('demo', [], dir);
    expect(code).toBe(2);
    expect(output).toContain(`${path.join(dir, 'demo.yml')}:2:1  colour  unknown key "colour"`);
    expect(output).not.toContain('predemo.yaml');
  });
});
