import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/observability/logger';
import { Redactor } from '../../src/shared/redactor';
import { MissingSecretError } from '../../src/tools/missing-secret-error';
import { SecretBroker } from '../../src/tools/secret-broker';
import { SecretsFileError } from '../../src/tools/secrets-file-error';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-secrets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function secretsFile(text: string, name = 'secrets.yaml'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

/** The broker as the service builds it: variables parsed by the real config loader. */
function broker(env: Record<string, string>, file?: string) {
  const config = loadConfig({
    SLACK_SIGNING_SECRET: 'signing',
    SLACK_BOT_TOKEN: 'xoxb-1',
    AUDIT_HMAC_KEY: 'k'.repeat(32),
    ...env,
  });
  const redactor = new Redactor();
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      warnings.push(JSON.parse(String(chunk)).msg);
      done();
    },
  });
  const log = createLogger('warn', sink, redactor);
  const secrets = new SecretBroker({ variables: config.secretValues, file, redactor, log });
  return { secrets, redactor, warnings };
}

describe('the secret broker', () => {
  it('resolves names from COUNTERSIGN_SECRET_ variables and scrubs what it handed out', async () => {
    const { secrets, redactor } = broker({ COUNTERSIGN_SECRET_OPS_API_TOKEN: 'ops-token-1234' });
    expect(redactor.scrub('ops-token-1234')).toBe('ops-token-1234');
    expect(await secrets.resolve(['OPS_API_TOKEN'])).toEqual({ OPS_API_TOKEN: 'ops-token-1234' });
    expect(redactor.scrub('Bearer ops-token-1234')).toBe('Bearer [secret:OPS_API_TOKEN]');
  });

  it('resolves names from a YAML file, and from a JSON one', async () => {
    const yaml = await secretsFile('OPS_API_TOKEN: yaml-token-1\nGITHUB_TOKEN: "ghp_yaml"\n');
    expect(await broker({}, yaml).secrets.resolve(['OPS_API_TOKEN', 'GITHUB_TOKEN'])).toEqual({
      OPS_API_TOKEN: 'yaml-token-1',
      GITHUB_TOKEN: 'ghp_yaml',
    });
    const json = await secretsFile('{\n\t"OPS_API_TOKEN": "json-token-1"\n}\n', 'secrets.json');
    expect(await broker({}, json).secrets.resolve(['OPS_API_TOKEN'])).toEqual({
      OPS_API_TOKEN: 'json-token-1',
    });
  });

  it('lets a variable win over the file for the same name', async () => {
    const file = await secretsFile('OPS_API_TOKEN: from-the-file\nOTHER: other-from-file\n');
    const { secrets } = broker({ COUNTERSIGN_SECRET_OPS_API_TOKEN: 'from-the-variable' }, file);
    expect(await secrets.resolve(['OPS_API_TOKEN', 'OTHER'])).toEqual({
      OPS_API_TOKEN: 'from-the-variable',
      OTHER: 'other-from-file',
    });
  });

  it('reads the file at each call, so a rotated value is used without a restart', async () => {
    const file = await secretsFile('OPS_API_TOKEN: before-rotation\n');
    const { secrets, redactor } = broker({}, file);
    expect(await secrets.resolve(['OPS_API_TOKEN'])).toEqual({ OPS_API_TOKEN: 'before-rotation' });
    // Rotation as tools do it: write a new file, move it over the old one.
    const next = path.join(dir, 'next.yaml');
    await writeFile(next, 'OPS_API_TOKEN: after-rotation\n');
    await rename(next, file);
    expect(await secrets.resolve(['OPS_API_TOKEN'])).toEqual({ OPS_API_TOKEN: 'after-rotation' });
    // The old value may still sit in earlier outputs: both stay scrubbed.
    expect(redactor.scrub('before-rotation after-rotation')).toBe(
      '[secret:OPS_API_TOKEN] [secret:OPS_API_TOKEN]',
    );
  });

  it('names every missing secret and where it looked, and never a value', async () => {
    const file = await secretsFile('PRESENT: present-value\n');
    const { secrets } = broker({ COUNTERSIGN_SECRET_EMPTY: '' }, file);
    const error = await secrets.resolve(['PRESENT', 'ABSENT', 'EMPTY']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingSecretError);
    expect(error).toMatchObject({ name: 'MissingSecretError', missing: ['ABSENT', 'EMPTY'] });
    expect((error as Error).message).toBe(
      `secrets ABSENT, EMPTY not set: no COUNTERSIGN_SECRET_ABSENT, COUNTERSIGN_SECRET_EMPTY variable, nor in ${file}`,
    );
    expect((error as Error).message).not.toContain('present-value');
    const alone = await broker({})
      .secrets.resolve(['ABSENT'])
      .catch((e: unknown) => e);
    expect((alone as Error).message).toBe(
      'secret ABSENT not set: no COUNTERSIGN_SECRET_ABSENT variable, COUNTERSIGN_SECRETS_FILE is not set',
    );
  });

  it('preloads every value of the variables and the file into the redactor', async () => {
    const file = await secretsFile('FROM_FILE: file-value-1\n');
    const { secrets, redactor } = broker({ COUNTERSIGN_SECRET_FROM_ENV: 'env-value-1' }, file);
    await secrets.preload();
    expect(redactor.size).toBe(2);
    expect(redactor.scrub('env-value-1 file-value-1')).toBe('[secret:FROM_ENV] [secret:FROM_FILE]');
  });

  it('warns once, naming it, about a secret too short to be scrubbed', async () => {
    const { secrets, warnings } = broker({ COUNTERSIGN_SECRET_PIN: '123' });
    await secrets.preload();
    expect(await secrets.resolve(['PIN'])).toEqual({ PIN: '123' });
    expect(warnings).toEqual([
      'secret PIN is shorter than 4 characters: it cannot be scrubbed, and shows as it is wherever a tool prints it',
    ]);
  });

  describe('refuses a secrets file it cannot use, naming the file and line, quoting no value', () => {
    const refusal = async (text: string) => {
      const file = await secretsFile(text);
      const error = await broker({}, file)
        .secrets.preload()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretsFileError);
      const message = (error as Error).message;
      expect(message).not.toContain('hunter2');
      return message.replace(file, 'FILE');
    };

    it('a syntax error', async () => {
      expect(await refusal('A_TOKEN: fine-value\nB_TOKEN: "hunter2 unterminated\n')).toBe(
        'COUNTERSIGN_SECRETS_FILE FILE:3: not valid YAML or JSON (MISSING_CHAR)',
      );
    });

    it('a number where a string belongs', async () => {
      expect(await refusal('A_TOKEN: fine-value\nPIN_CODE: 20250101\n')).toBe(
        'COUNTERSIGN_SECRETS_FILE FILE:2: PIN_CODE must be a string (found a number); quote the value',
      );
    });

    it('a nested map, a list, or a key that is no secret name', async () => {
      expect(await refusal('DB:\n  password: hunter2\n')).toBe(
        'COUNTERSIGN_SECRETS_FILE FILE:1: DB must be a string (found a map); quote the value',
      );
      expect(await refusal('- hunter2\n')).toBe(
        'COUNTERSIGN_SECRETS_FILE FILE:1: must be a map of NAME: value (found a list)',
      );
      expect(await refusal('A_TOKEN: fine-value\nlower_case: hunter2\n')).toBe(
        'COUNTERSIGN_SECRETS_FILE FILE:2: keys must be UPPER_CASE secret names',
      );
    });

    it('a file that is not there', async () => {
      const file = path.join(dir, 'missing.yaml');
      await expect(broker({}, file).secrets.preload()).rejects.toThrow(
        `COUNTERSIGN_SECRETS_FILE ${file}: cannot be read (ENOENT)`,
      );
    });
  });
});
