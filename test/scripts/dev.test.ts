import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { eventually } from '../support/eventually';
import { startFakeSlackApi } from '../support/fake-slack-api';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, testRedisUrl, uniqueName } from '../support/test-env';

const root = path.join(__dirname, '../..');

interface Started {
  child: ChildProcess;
  output: () => string;
  /** Resolves once every process of the group has closed its output: npm's own exit comes first. */
  closed: Promise<void>;
}

/** Runs a command as a terminal would: in a process group of its own, which Ctrl-C signals whole. */
function startInTerminal(command: string, args: string[], env: Record<string, string>): Started {
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, output: () => output, closed };
}

/** Ctrl-C: SIGINT to the whole process group. */
function pressCtrlC({ child }: Started): void {
  if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
}

function killGroup({ child }: Started): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

describe('the workstation commands the docs give, on stores that answer', () => {
  it('`npm run dev` uses them, runs `countersign all` until Ctrl-C, and stops cleanly', async () => {
    const slack = await startFakeSlackApi();
    const dev = startInTerminal('npm', ['run', '--silent', 'dev'], {
      SLACK_SIGNING_SECRET: 'dev-secret',
      SLACK_BOT_TOKEN: 'xoxb-dev',
      SLACK_API_URL: slack.url,
      AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
      REDIS_URL: testRedisUrl(),
      MONGODB_URI: testMongoUri(uniqueName('dev')),
      QUEUE_PREFIX: uniqueName('dev'),
      PORT: '0',
      HOST: '127.0.0.1',
    });
    try {
      await eventually(
        'the service to start',
        async () => dev.output().includes('"countersign started"') || undefined,
        25_000,
      );
      expect(dev.output()).toContain(`countersign: REDIS_URL=${testRedisUrl()}`);
      expect(dev.output()).not.toContain('dev data (kept across restarts)');
      pressCtrlC(dev);
      await dev.closed;
      expect(dev.output()).toContain('"shutdown requested"');
      expect(dev.output()).toContain('"stopped"');
      expect(dev.output()).not.toMatch(/"level":(50|60)/);
    } finally {
      killGroup(dev);
      await slack.close();
    }
  }, 60_000);

  it('`npx tsx scripts/services.ts up` prints their URLs and keeps running until Ctrl-C', async () => {
    const up = startInTerminal('npx', ['tsx', 'scripts/services.ts', 'up'], {
      REDIS_URL: testRedisUrl(),
      MONGODB_URI: testMongoUri(uniqueName('up')),
    });
    try {
      await eventually(
        'the services to be up',
        async () => up.output().includes('services are up') || undefined,
        25_000,
      );
      expect(up.output()).toContain(`REDIS_URL=${testRedisUrl()}`);
      expect(up.output()).toContain('MONGODB_URI=mongodb://');
      expect(up.output()).not.toContain('started ');
      pressCtrlC(up);
      await up.closed;
      expect(up.output()).toContain('services stopped');
    } finally {
      killGroup(up);
    }
  }, 60_000);
});
