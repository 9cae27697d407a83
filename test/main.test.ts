import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCountersign } from './support/countersign-cli';
import { eventually } from './support/eventually';
import { startFakeSlackApi } from './support/fake-slack-api';
import { sendSlashCommand } from './support/slack-request';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, testRedisUrl, uniqueName } from './support/test-env';

const root = path.join(__dirname, '..');

/** Runs the real CLI entry (TypeScript through tsx), as `countersign …` would. */
function countersign(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collect(child: ChildProcess) {
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk) => {
    out.stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    out.stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { out, exited };
}

describe('the countersign command line', () => {
  it('refuses to start without a required variable, with one line naming it', async () => {
    const { out, exited } = collect(countersign(['serve'], { SLACK_BOT_TOKEN: 'xoxb-1' }));
    expect(await exited).toBe(2);
    expect(out.stderr).toBe('countersign: SLACK_SIGNING_SECRET is required\n');
  });

  it('validates a workflows directory, locating each problem, and exits 1 on a problem', async () => {
    const good = collect(countersign(['validate', path.join(root, 'workflows')], {}));
    expect(await good.exited).toBe(0);
    expect(good.out.stdout).toMatch(/^\d+ manifest\(s\) checked: all valid\n$/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-validate-'));
    await writeFile(path.join(dir, 'broken.yaml'), 'name: Broken Name\nsteps: [{ tool: t }]\n');
    await writeFile(path.join(dir, 'syntax.yaml'), 'name: ok\nsteps: [ { tool: t }\n');
    const bad = collect(countersign(['validate', dir], {}));
    expect(await bad.exited).toBe(1);
    expect(bad.out.stdout.split('\n')).toEqual([
      `${path.join(dir, 'broken.yaml')}:1:7  name  must be 2-63 lowercase letters, digits or -, starting with a letter`,
      `${path.join(dir, 'broken.yaml')}:2:17  steps.0.tool  names no tool of this workflow (tools: none)`,
      `${path.join(dir, 'syntax.yaml')}:3:1  YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      '2 manifest(s) checked: 0 valid, 2 invalid, 3 problem(s)',
      '',
    ]);
  });

  it("exits 2 on every usage error, the parser's as its own, with one line", async () => {
    expect(await runCountersign(['bogus'], {})).toEqual({
      code: 2,
      stdout: '',
      stderr: "countersign: unknown command 'bogus' (add --help for usage)\n",
    });
    expect(await runCountersign(['run', 'hello'], {})).toEqual({
      code: 2,
      stdout: '',
      stderr: "countersign: required option '--dry-run' not specified (add --help for usage)\n",
    });
    expect(await runCountersign(['audit', 'export', '--format', 'xml'], {})).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /^countersign: option '--format <format>' argument 'xml' is invalid\.[^\n]*\n$/,
      ),
    });
  });

  it('prints its version, from package.json', async () => {
    const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
    expect(await runCountersign(['--version'], {})).toEqual({
      code: 0,
      stdout: `${version}\n`,
      stderr: '',
    });
  });

  it('names the setting when the folder of manifests is not there', async () => {
    const missing = path.join(os.tmpdir(), uniqueName('no_such_dir'));
    const refused = (setting: string) => ({
      code: 2,
      stdout: '',
      stderr: `countersign: ${setting}: no such directory\n`,
    });
    const env = { WORKFLOWS_DIR: missing };
    expect(await runCountersign(['run', '--dry-run', 'hello', '--dir', missing], {})).toEqual(
      refused(`--dir ${missing}`),
    );
    expect(await runCountersign(['run', '--dry-run', 'hello'], env)).toEqual(
      refused(`WORKFLOWS_DIR=${missing}`),
    );
    expect(await runCountersign(['validate'], env)).toEqual(refused(`WORKFLOWS_DIR=${missing}`));
    expect(
      await runCountersign(['serve'], {
        ...env,
        SLACK_SIGNING_SECRET: 'cli-secret',
        SLACK_BOT_TOKEN: 'xoxb-cli',
        AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
      }),
    ).toEqual(refused(`WORKFLOWS_DIR=${missing}`));
  });

  it('run --help says WORKFLOWS_DIR is the default of --dir, and --dir wins over it', async () => {
    const help = await runCountersign(['run', '--help'], {});
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      '--dir <dir> directory of workflow manifests (default: WORKFLOWS_DIR, else ./workflows)',
    );
    const dir = path.join(root, 'test/fixtures/dry-run');
    const chosen = await runCountersign(['run', '--dry-run', 'no-such-workflow', '--dir', dir], {
      WORKFLOWS_DIR: path.join(root, 'workflows'),
    });
    expect(chosen.stdout).toContain(`No valid workflow "no-such-workflow" in ${dir}.`);
  });

  it('prints the JSON Schema of the manifest format', async () => {
    const { out, exited } = collect(countersign(['schema'], {}));
    expect(await exited).toBe(0);
    const schema = JSON.parse(out.stdout);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toBe('Countersign workflow manifest');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'name',
        'access',
        'inputs',
        'secrets',
        'agent',
        'steps',
        'tools',
        'approval',
      ]),
    );
  });

  it('runs `all`, serves a run, and drains on SIGTERM', async () => {
    const slack = await startFakeSlackApi();
    const child = countersign(['all'], {
      SLACK_SIGNING_SECRET: 'cli-secret',
      SLACK_BOT_TOKEN: 'xoxb-cli',
      SLACK_API_URL: slack.url,
      AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
      REDIS_URL: testRedisUrl(),
      MONGODB_URI: testMongoUri(uniqueName('cli')),
      QUEUE_PREFIX: uniqueName('cli'),
      // The service picks a free port and logs it: a port chosen here could be taken meanwhile.
      PORT: '0',
      HOST: '127.0.0.1',
    });
    const { out, exited } = collect(child);
    try {
      const port = await eventually(
        'the service to log its port',
        async () => {
          const started = out.stdout
            .split('\n')
            .filter((line) => line.includes('"countersign started"'))
            .map((line) => JSON.parse(line) as { port?: number })[0];
          return started?.port;
        },
        20_000,
      );
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        const ready = await fetch(`${base}/readyz`).catch(() => undefined);
        if (ready?.status === 200) break;
        if (i > 200) throw new Error(`service never became ready:\n${out.stdout}${out.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await sendSlashCommand(`${base}/slack/events`, 'cli-secret', {
        text: 'run hello name=Turing',
        response_url: slack.responseUrl('cli'),
      });
      await slack.waitForCall('chat.update', () => true, 10_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const lines = out.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining(['countersign started', 'shutdown requested', 'stopped']),
      );
    } finally {
      child.kill('SIGKILL');
      await slack.close();
    }
  });
});
