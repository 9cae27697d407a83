#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Option } from 'commander';
import pino from 'pino';
import { auditKey } from './audit/audit-chain';
import {
  AuditUsageError,
  exportAuditLog,
  exportRequest,
  parseAnchor,
  readOldKeys,
  verifyAuditLog,
} from './cli/audit';
import { dryRunInTerminal, gatewayRunRefusal } from './cli/dry-run';
import { addHookCommand } from './cli/hook-command';
import { newProgram, writeStdout } from './cli/program';
import {
  CLI_ACTOR,
  createdHint,
  createRequest,
  revokeGatewayToken,
  revokeRequest,
  TokenUsageError,
  tokenTable,
  tokenWorkflow,
} from './cli/token';
import { chooseWorkflowsDir, workflowsDirProblem } from './cli/workflows-dir';
import { ConfigError, loadAuditConfig, loadConfig, loadExportConfig } from './config';
import { createGatewayToken } from './gateway/create-token';
import { createLogger } from './observability/logger';
import { type ServiceRoles, startService } from './service';
import { Redactor } from './shared/redactor';
import { openDatabase } from './store/database';
import { MongoAuditReader } from './store/mongo-audit-reader';
import { openTokenStore } from './store/open-token-store';
import { ManifestToolRunner } from './tools/manifest-tool-runner';
import { SecretBroker } from './tools/secret-broker';
import { loadWorkflows } from './workflows/load-workflows';
import { manifestJsonSchema } from './workflows/manifest-json-schema';
import { validateManifests } from './workflows/validate-manifests';

/** One line on stderr, as every setting's problem is told, and exit 2. */
function exitWithProblem(message: string): never {
  process.stderr.write(`countersign: ${message}\n`);
  process.exit(2);
}

/** `work`'s result; a ConfigError (a bad setting, or a store or Slack refusing at start) exits 2. */
async function orExitOnConfigError<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return exitWithProblem(error.message);
  }
}

async function serve(roles: ServiceRoles): Promise<void> {
  const config = await orExitOnConfigError(loadConfig);
  await refuseMissingWorkflowsDir(chooseWorkflowsDir(undefined, process.env));
  // One redactor for the log and the service: the service teaches it the secret values.
  const redactor = new Redactor();
  const log = createLogger(config.LOG_LEVEL, undefined, redactor);
  const service = await orExitOnConfigError(() => startService({ config, roles, log, redactor }));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutdown requested');
    // A second chance is not owed: past the timeout plus a margin, exit anyway.
    setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 5_000).unref();
    service.stop().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** A folder of manifests that is not there is a setting to fix: one line naming it, exit 2. */
async function refuseMissingWorkflowsDir(choice: ReturnType<typeof chooseWorkflowsDir>) {
  const problem = await workflowsDirProblem(choice);
  if (problem !== undefined) exitWithProblem(problem);
}

/** The version of the package this file was built from (dist/ and src/ sit beside package.json). */
function packageVersion(): string {
  const file = path.join(__dirname, '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

const program = newProgram()
  .description('Slack-native approval bot for AI agent workflows')
  .version(packageVersion(), '-V, --version', 'print the version');

program
  .command('serve')
  .description('Slack receiver on PORT: /slack/events, /healthz, /readyz, /metrics')
  .action(() => serve({ http: true, worker: false }));
program
  .command('worker')
  .description('BullMQ workers that carry runs out (health and metrics on PORT)')
  .action(() => serve({ http: false, worker: true }));
program
  .command('all')
  .description('serve and worker in one process')
  .action(() => serve({ http: true, worker: true }));
program
  .command('validate')
  .description(
    'check workflow manifests; print file:line:col  field  problem; exit 1 if any is invalid',
  )
  .argument(
    '[paths...]',
    'manifest files or directories of *.yaml files (default: WORKFLOWS_DIR, else ./workflows)',
  )
  .action(async (paths: string[]) => {
    if (paths.length === 0) {
      const choice = chooseWorkflowsDir(undefined, process.env);
      await refuseMissingWorkflowsDir(choice);
      paths.push(choice.dir);
    }
    const report = await validateManifests(paths);
    process.stdout.write(report.text);
    process.exitCode = report.ok ? 0 : 1;
  });
program
  .command('run')
  .description(
    'walk a workflow from the terminal: low-risk calls run, the rest are simulated; for a gateway workflow, what it would decide',
  )
  // Checked in the action, not by the parser: a gateway workflow's refusal says what to do instead.
  .option('--dry-run', 'required: real runs start from Slack, where they are approved and recorded')
  .argument('<workflow>', 'the workflow name')
  .argument('[inputs...]', 'name=value inputs')
  .option(
    '--dir <dir>',
    'directory of workflow manifests (default: WORKFLOWS_DIR, else ./workflows)',
  )
  .option('--call <tool>', 'gateway workflows: the tool of one call to decide, e.g. Bash or Read')
  .option(
    '--input <json>',
    'with --call: the tool\'s input as JSON, e.g. \'{"command":"npm test"}\'',
  )
  .option('--cwd <dir>', "with --call: the session's working directory (default: this one)")
  .action(async (workflow: string, inputs: string[], options: RunOptions) => {
    const choice = chooseWorkflowsDir(options.dir, process.env);
    if (options.dryRun !== true) {
      const refusal = await gatewayRunRefusal(choice.dir, workflow);
      exitWithProblem(
        refusal ?? "required option '--dry-run' not specified (add --help for usage)",
      );
    }
    if (options.call === undefined && (options.input ?? options.cwd) !== undefined) {
      exitWithProblem(
        `${options.input !== undefined ? '--input' : '--cwd'} goes with --call <tool>`,
      );
    }
    await refuseMissingWorkflowsDir(choice);
    process.exitCode = await dryRunInTerminal({
      dir: choice.dir,
      workflow,
      words: inputs,
      tools: dryRunTools(),
      write: (text) => process.stdout.write(text),
      ...(options.call === undefined
        ? {}
        : {
            call: {
              tool: options.call,
              ...(options.input === undefined ? {} : { input: options.input }),
              cwd: path.resolve(options.cwd ?? process.cwd()),
              home: os.homedir(),
            },
          }),
    });
  });

interface RunOptions {
  dryRun?: boolean;
  dir?: string;
  call?: string;
  input?: string;
  cwd?: string;
}

/** A dry run resolves no secrets: a call that needs one is simulated, never run. */
function dryRunTools(): ManifestToolRunner {
  const redactor = new Redactor();
  return new ManifestToolRunner({
    secrets: new SecretBroker({ variables: new Map(), redactor }),
    redactor,
    log: createLogger(process.env.LOG_LEVEL || 'warn', pino.destination(2)),
  });
}

program
  .command('schema')
  .description('print the JSON Schema of the manifest format (for editors; see docs/manifest.md)')
  .action(() => {
    process.stdout.write(`${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
  });

/** Runs an audit subcommand: a bad setting or option is one line on stderr and exit code 2. */
async function auditCommand(work: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await work();
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof AuditUsageError)) throw error;
    process.stderr.write(`countersign: ${error.message}\n`);
    process.exitCode = 2;
  }
}

const audit = program
  .command('audit')
  .description('the tamper-evident audit log: verify its hash chain, export its events');
audit
  .command('verify')
  .description(
    'walk the hash chain (needs MONGODB_URI and AUDIT_HMAC_KEY): exit 0 and print the head, or name the first bad event and exit 1',
  )
  .option(
    '--old-keys <file>',
    'earlier AUDIT_HMAC_KEY values, one per line, for events signed before a key rotation',
  )
  .option(
    '--anchor <seq:hash>',
    'a head printed by an earlier verify and kept elsewhere: the chain must still hold that event',
  )
  .action((options: { oldKeys?: string; anchor?: string }) =>
    auditCommand(async () => {
      const anchor = options.anchor !== undefined ? parseAnchor(options.anchor) : undefined;
      const config = loadAuditConfig();
      const keys = [
        auditKey(config.AUDIT_HMAC_KEY),
        ...(options.oldKeys !== undefined ? await readOldKeys(options.oldKeys) : []),
      ];
      const reader = await MongoAuditReader.open(config.MONGODB_URI);
      try {
        return await verifyAuditLog(reader, { keys, ...(anchor ? { anchor } : {}) }, (text) =>
          process.stdout.write(text),
        );
      } finally {
        await reader.close();
      }
    }),
  );
audit
  .command('export')
  .description('stream audit events to stdout in seq order (needs MONGODB_URI)')
  .option('--run <id>', 'only the events of this run')
  .option(
    '--since <time>',
    'only events at or after this ISO time (2026-05-01, 2026-05-01T12:00:00Z)',
  )
  .option('--until <time>', 'only events before this ISO time')
  .addOption(
    new Option(
      '--format <format>',
      'jsonl: a JSON object per line; csv: a header, then a row per event',
    )
      .choices(['jsonl', 'csv'])
      .default('jsonl'),
  )
  .action((options: { run?: string; since?: string; until?: string; format: string }) =>
    auditCommand(async () => {
      const request = exportRequest(options);
      const config = loadExportConfig();
      // A reader that goes away (`| head`) ends the export; it is not an error.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(0);
      });
      const reader = await MongoAuditReader.open(config.MONGODB_URI);
      try {
        await exportAuditLog(reader, request, writeStdout);
        return 0;
      } finally {
        await reader.close();
      }
    }),
  );

/** Runs a token subcommand: a bad setting, option or workflow is one line on stderr and exit 2. */
async function tokenCommand(work: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await work();
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof TokenUsageError)) throw error;
    process.stderr.write(`countersign: ${error.message}\n`);
    process.exitCode = 2;
  }
}

/** The store and the audit log, for the token subcommands that record what they do. */
async function openForTokens() {
  const config = loadAuditConfig();
  const database = await openDatabase(config.MONGODB_URI, { auditHmacKey: config.AUDIT_HMAC_KEY });
  const deps = { tokens: database.tokens, audit: database.audit, clock: () => new Date() };
  return { deps, close: () => database.close() };
}

const token = program
  .command('token')
  .description('per-person gateway tokens: who an outside agent (Claude Code) acts for');
token
  .command('create')
  .description(
    'make a token for one person and a gateway workflow; print it once on stdout (needs MONGODB_URI and AUDIT_HMAC_KEY)',
  )
  .argument('<workflow>', 'a workflow with a gateway block')
  .requiredOption('--user <id>', 'the Slack user the agent acts for (must be in access.users)')
  .option('--label <label>', 'a name for where the token is used, e.g. laptop')
  .option('--expires <duration>', 'how long it lasts, e.g. 90d (default: until revoked)')
  .option('--headless', 'for CI: a call still pending is deferred, to be resumed, not denied')
  .option(
    '--dir <dir>',
    'directory of workflow manifests (default: WORKFLOWS_DIR, else ./workflows)',
  )
  .action(
    (
      workflow: string,
      options: { user: string; label?: string; expires?: string; headless?: boolean; dir?: string },
    ) =>
      tokenCommand(async () => {
        const request = createRequest(workflow, options);
        const choice = chooseWorkflowsDir(options.dir, process.env);
        await refuseMissingWorkflowsDir(choice);
        tokenWorkflow(await loadWorkflows(choice.dir), request, choice.setting);
        const { deps, close } = await openForTokens();
        try {
          const made = await createGatewayToken(deps, request, CLI_ACTOR);
          process.stdout.write(`${made.text}\n`);
          process.stderr.write(createdHint(made.token));
          return 0;
        } finally {
          await close();
        }
      }),
  );
token
  .command('list')
  .description(
    'the tokens, newest first, with their status; never a token itself (needs MONGODB_URI)',
  )
  .option('--workflow <name>', 'only the tokens of this workflow')
  .action((options: { workflow?: string }) =>
    tokenCommand(async () => {
      const config = loadExportConfig();
      const store = await openTokenStore(config.MONGODB_URI);
      try {
        const tokens = await store.tokens.list(
          options.workflow !== undefined ? { workflow: options.workflow } : {},
        );
        process.stdout.write(tokenTable(tokens, new Date()));
        return 0;
      } finally {
        await store.close();
      }
    }),
  );
token
  .command('revoke')
  .description(
    'revoke a token at once; exit 1 if there is no such token or it was revoked already (needs MONGODB_URI and AUDIT_HMAC_KEY)',
  )
  .argument('<id>', 'the token id (tok_…), as token list shows it')
  .action((id: string) =>
    tokenCommand(async () => {
      revokeRequest(id);
      const { deps, close } = await openForTokens();
      try {
        return await revokeGatewayToken(
          deps,
          id,
          (text) => process.stdout.write(text),
          (text) => process.stderr.write(text),
        );
      } finally {
        await close();
      }
    }),
  );

addHookCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`countersign: ${(error as Error).message}\n`);
  process.exit(1);
});
