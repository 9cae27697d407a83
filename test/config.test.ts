import { ConfigError, loadAuditConfig, loadConfig, loadExportConfig } from '../src/config';
import { TEST_AUDIT_HMAC_KEY } from './support/test-env';

const minimal = {
  SLACK_SIGNING_SECRET: 'secret',
  SLACK_BOT_TOKEN: 'xoxb-1-2',
  AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
};

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to fail');
}

describe('configuration from the environment', () => {
  it('fills every default from the service contract', () => {
    const config = loadConfig(minimal);
    expect(config).toMatchObject({
      PORT: 3000,
      REDIS_URL: 'redis://127.0.0.1:6379',
      MONGODB_URI: 'mongodb://127.0.0.1:27017/countersign',
      WORKFLOWS_DIR: './workflows',
      WORKFLOWS_WATCH: true,
      COUNTERSIGN_ADMINS: [],
      LOG_LEVEL: 'info',
      QUEUE_PREFIX: 'countersign',
      USERGROUP_CACHE_TTL_MS: 60_000,
    });
    expect(config.SLACK_APP_TOKEN).toBeUndefined();
  });

  it.each([
    [{}, 'SLACK_SIGNING_SECRET is required'],
    [{ SLACK_SIGNING_SECRET: 's' }, 'SLACK_BOT_TOKEN is required'],
    [{ ...minimal, SLACK_BOT_TOKEN: 'xoxp-user' }, 'SLACK_BOT_TOKEN must be a bot token (xoxb-…)'],
    [
      { ...minimal, SLACK_APP_TOKEN: 'xoxb-nope' },
      'SLACK_APP_TOKEN must be an app-level token (xapp-…)',
    ],
    [{ ...minimal, PORT: 'eighty' }, 'PORT must be a port number (0-65535)'],
    [{ ...minimal, PORT: '70000' }, 'PORT must be a port number (0-65535)'],
    [{ ...minimal, REDIS_URL: 'http://localhost' }, 'REDIS_URL must be a redis or rediss URL'],
    [
      { ...minimal, MONGODB_URI: 'localhost:27017' },
      'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI',
    ],
    [{ ...minimal, SLACK_API_URL: 'not a url' }, 'SLACK_API_URL must be a http or https URL'],
    [
      { ...minimal, COUNTERSIGN_PUBLIC_URL: 'countersign.example.com' },
      'COUNTERSIGN_PUBLIC_URL must be a http or https URL',
    ],
    [
      { ...minimal, COUNTERSIGN_ADMINS: 'U01,alice' },
      'COUNTERSIGN_ADMINS must be Slack user ids like U0123ABCD',
    ],
    [{ ...minimal, AUDIT_HMAC_KEY: 'short' }, 'AUDIT_HMAC_KEY must be at least 32 characters'],
    [{ ...minimal, AUDIT_HMAC_KEY: undefined }, 'AUDIT_HMAC_KEY is required'],
    [{ ...minimal, AUDIT_HMAC_KEY: '' }, 'AUDIT_HMAC_KEY is required'],
    [{ ...minimal, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [
      { ...minimal, WORKER_CONCURRENCY: '0' },
      'WORKER_CONCURRENCY must be a whole number from 1 to 100',
    ],
    [{ ...minimal, SHUTDOWN_TIMEOUT_MS: '-1' }, 'SHUTDOWN_TIMEOUT_MS must be a whole number of'],
    [{ ...minimal, USERGROUP_CACHE_TTL_MS: '1m' }, 'USERGROUP_CACHE_TTL_MS must be a number of'],
    [{ ...minimal, WORKFLOWS_WATCH: 'sometimes' }, 'WORKFLOWS_WATCH must be true or false'],
  ])('stops on a bad value with one line naming the variable (%o)', (env, message) => {
    const text = errorOf(env as Record<string, string>);
    expect(text.startsWith(message)).toBe(true);
    expect(text).not.toContain('\n');
  });

  it('treats empty optional variables as unset, as .env files leave them', () => {
    const config = loadConfig({
      ...minimal,
      SLACK_APP_TOKEN: '',
      SLACK_API_URL: '',
    });
    expect(config.SLACK_APP_TOKEN).toBeUndefined();
    expect(config.SLACK_API_URL).toBeUndefined();
  });

  it('collects COUNTERSIGN_SECRET_<NAME> values by name, apart from the secrets file setting', () => {
    const config = loadConfig({
      ...minimal,
      COUNTERSIGN_SECRET_OPS_API_TOKEN: 'abc',
      COUNTERSIGN_SECRETS_FILE: '/run/secrets.yaml',
      COUNTERSIGN_ADMINS: 'U0ADMIN, W0ENTERPRISE',
    });
    expect([...config.secretValues]).toEqual([['OPS_API_TOKEN', 'abc']]);
    expect(config.COUNTERSIGN_SECRETS_FILE).toBe('/run/secrets.yaml');
    expect(config.COUNTERSIGN_ADMINS).toEqual(['U0ADMIN', 'W0ENTERPRISE']);
  });

  it('asks the audit commands only for what they use: MongoDB, and the key to verify', () => {
    expect(loadAuditConfig({ AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY })).toEqual({
      MONGODB_URI: 'mongodb://127.0.0.1:27017/countersign',
      AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
    });
    expect(() => loadAuditConfig({})).toThrow('AUDIT_HMAC_KEY is required');
    expect(loadExportConfig({ MONGODB_URI: 'mongodb://db/x' })).toEqual({
      MONGODB_URI: 'mongodb://db/x',
    });
    expect(() => loadExportConfig({ MONGODB_URI: 'db' })).toThrow(
      'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI',
    );
  });

  it('turns hot reload of the workflows off with WORKFLOWS_WATCH=false', () => {
    expect(loadConfig({ ...minimal, WORKFLOWS_WATCH: 'false' }).WORKFLOWS_WATCH).toBe(false);
    expect(loadConfig({ ...minimal, WORKFLOWS_WATCH: '0' }).WORKFLOWS_WATCH).toBe(false);
    expect(loadConfig({ ...minimal, WORKFLOWS_WATCH: 'true' }).WORKFLOWS_WATCH).toBe(true);
  });
});
