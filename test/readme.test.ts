import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../src/config';
import { TEST_AUDIT_HMAC_KEY } from './support/test-env';

const root = path.join(__dirname, '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The first ```sh block after a heading. */
function shellBlockAfter(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start).toBeGreaterThan(-1);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
  if (block?.[1] === undefined) throw new Error(`no sh block after ${heading}`);
  return block[1];
}

/** Runs `script` in bash in `cwd` with only PATH set, and returns the environment it ends with. */
function envAfter(script: string, cwd: string): Record<string, string> {
  const out = execFileSync('bash', ['--noprofile', '--norc', '-c', `${script}\nenv -0`], {
    cwd,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
  });
  return Object.fromEntries(
    out
      .split('\0')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The command the README gives for loading .env into a shell. */
function loadEnvCommand(): string {
  const command = /`(set -a; \. \.\/\.env; set \+a)`/.exec(readme)?.[1];
  if (command === undefined) throw new Error('the README does not say how to load .env');
  return command;
}

describe('the README, as written', () => {
  it('"Without Docker": its export lines set every variable the service requires', () => {
    const exports = shellBlockAfter('### Without Docker')
      .split('\n')
      .filter((line) => line.startsWith('export '))
      .join('\n');
    const env = envAfter(exports, root);
    expect(() => loadConfig(env)).not.toThrow();
    expect(env.AUDIT_HMAC_KEY).toMatch(/^[0-9a-f]{64}$/);
  });

  it('says how to load .env, and loading a copy of .env.example keeps an exported AUDIT_HMAC_KEY', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'countersign-readme-'));
    copyFileSync(path.join(root, '.env.example'), path.join(dir, '.env'));
    const env = envAfter(`export AUDIT_HMAC_KEY=${TEST_AUDIT_HMAC_KEY}\n${loadEnvCommand()}`, dir);
    expect(env.AUDIT_HMAC_KEY).toBe(TEST_AUDIT_HMAC_KEY);
    // With the key exported, the example's own values are enough to start.
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('.env.example sets no variable to empty (loading it would wipe one exported before)', () => {
    const assignments = readFileSync(path.join(root, '.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line));
    expect(assignments.length).toBeGreaterThan(0);
    expect(assignments.filter((line) => line.endsWith('='))).toEqual([]);
  });

  it('names every event the Slack app manifest subscribes to, and does not deny having any', () => {
    const manifest = parse(readFileSync(path.join(root, 'manifests/slack-app.yaml'), 'utf8')) as {
      settings: { event_subscriptions?: { bot_events?: string[] } };
    };
    const events = manifest.settings.event_subscriptions?.bot_events ?? [];
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(readme).toContain(`\`${event}\``);
    expect(readme).not.toMatch(/no event subscriptions/);
  });
});
