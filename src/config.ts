import { z } from 'zod';

/** Raised when the environment cannot start the service; its message is one line for the operator. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const url = (protocols: string[]) =>
  z.url({
    protocol: new RegExp(`^(${protocols.join('|')})$`),
    error: `must be a ${protocols.join(' or ')} URL`,
  });

const mongodbUri = z
  .string()
  .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
  .default('mongodb://127.0.0.1:27017/countersign');

// Required: every event is signed with it, and events written without it could not be verified.
const auditHmacKey = z
  .string({ error: 'is required' })
  .min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)');

const portNumber = z.coerce
  .number({ error: 'must be a port number (0-65535)' })
  .int('must be a port number (0-65535)')
  .min(0, 'must be a port number (0-65535)')
  .max(65535, 'must be a port number (0-65535)');

const envSchema = z.object({
  SLACK_SIGNING_SECRET: z.string({ error: 'is required' }).min(1, 'is required'),
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required' })
    .regex(/^xoxb-/, 'must be a bot token (xoxb-…)'),
  SLACK_APP_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xapp-/, 'must be an app-level token (xapp-…)')
      .optional(),
  ),
  SLACK_API_URL: optionalString.pipe(url(['http', 'https']).optional()),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString.pipe(url(['http', 'https']).optional()),
  // claude-sonnet-4-5 (DESIGN.md's example) reaches end-of-life on 2026-11-30; the SDK warns.
  ANTHROPIC_MODEL: z.string().default('claude-sonnet-5-5'),
  REDIS_URL: url(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
  MONGODB_URI: mongodbUri,
  WORKFLOWS_DIR: z.string().min(1).default('./workflows'),
  WORKFLOWS_WATCH: z.stringbool({ error: 'must be true or false' }).default(true),
  COUNTERSIGN_ADMINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[UW][A-Z0-9]+$/, 'must be Slack user ids like U0123ABCD'))),
  COUNTERSIGN_SECRETS_FILE: optionalString,
  // Where people's agents reach this service (the Claude Code settings `/countersign token` gives).
  COUNTERSIGN_PUBLIC_URL: optionalString.pipe(url(['http', 'https']).optional()),
  AUDIT_HMAC_KEY: auditHmacKey,
  PORT: portNumber.default(3000),
  HOST: z.string().default('0.0.0.0'),
  // Unset: /metrics is served on PORT with the rest. Set: only on this port, at METRICS_HOST.
  METRICS_PORT: portNumber.optional(),
  METRICS_HOST: z.string().default('127.0.0.1'),
  // Set: /metrics answers only `Authorization: Bearer <token>`, wherever it is served.
  METRICS_TOKEN: optionalString.pipe(
    z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 32`)').optional(),
  ),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, _ and -')
    .default('countersign'),
  WORKER_CONCURRENCY: z.coerce
    .number({ error: 'must be a whole number from 1 to 100' })
    .int('must be a whole number from 1 to 100')
    .min(1, 'must be a whole number from 1 to 100')
    .max(100, 'must be a whole number from 1 to 100')
    .default(5),
  // A worker that dies holds its jobs this long before another worker takes them over.
  WORKER_LOCK_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(1_000, 'must be at least 1000')
    .default(30_000),
  RUN_RECOVERY_INTERVAL_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(1_000, 'must be at least 1000')
    .default(60_000),
  // Slack answers usergroups.users.list about 20 times a minute; 0 asks on every command.
  USERGROUP_CACHE_TTL_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(0, 'must be a whole number of milliseconds')
    .default(60_000),
  // Unset: run details are kept forever. The audit log itself is never pruned.
  AUDIT_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(0, 'must be a whole number of milliseconds')
    .default(30_000),
});

export type Config = z.output<typeof envSchema> & {
  /** Values of `COUNTERSIGN_SECRET_<NAME>` variables, by NAME; read only by the secret broker. */
  secretValues: ReadonlyMap<string, string>;
};

/**
 * Parses every environment variable the service reads, once, at start-up.
 * @throws ConfigError naming the first bad variable, e.g. `SLACK_BOT_TOKEN must be a bot token (xoxb-…)`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = parseEnv(envSchema, env);
  if (parsed.METRICS_PORT && parsed.METRICS_PORT === parsed.PORT) {
    throw new ConfigError(
      'METRICS_PORT must differ from PORT (unset it to serve /metrics on PORT)',
    );
  }
  const secretValues = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (
      name.startsWith('COUNTERSIGN_SECRET_') &&
      name !== 'COUNTERSIGN_SECRETS_FILE' &&
      value !== undefined
    ) {
      secretValues.set(name.slice('COUNTERSIGN_SECRET_'.length), value);
    }
  }
  return { ...parsed, secretValues };
}

function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  // `.env` files leave unset values as `VAR=`: an empty value means "use the default".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const message =
      issue?.code === 'invalid_type' && !env[variable] ? 'is required' : issue?.message;
    throw new ConfigError(`${variable} ${message}`);
  }
  return parsed.data;
}

const auditEnvSchema = z.object({ MONGODB_URI: mongodbUri, AUDIT_HMAC_KEY: auditHmacKey });

/**
 * What `countersign audit verify` needs: the database and the key, nothing of Slack.
 * @throws ConfigError as {@link loadConfig} does.
 */
export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv(auditEnvSchema, env);
}

/** What `countersign audit export` needs: only the database. */
export function loadExportConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv(auditEnvSchema.pick({ MONGODB_URI: true }), env);
}
