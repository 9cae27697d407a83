#!/usr/bin/env node
import { Command } from 'commander';
import { dryRunInTerminal } from './cli/dry-run';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './observability/logger';
import { type ServiceRoles, startService } from './service';
import { ManifestToolRunner } from './tools/manifest-tool-runner';
import { manifestJsonSchema } from './workflows/manifest-json-schema';
import { validateManifests } from './workflows/validate-manifests';

async function serve(roles: ServiceRoles): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`countersign: ${error.message}\n`);
    process.exit(2);
  }
  const log = createLogger(config.LOG_LEVEL);
  const service = await startService(config, roles, log);
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

const program = new Command()
  .name('countersign')
  .description('Slack-native approval bot for AI agent workflows')
  .showHelpAfterError();

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
    'manifest files or directories of *.yaml files (default: WORKFLOWS_DIR or ./workflows)',
  )
  .action(async (paths: string[]) => {
    const report = await validateManifests(
      paths.length > 0 ? paths : [process.env.WORKFLOWS_DIR || './workflows'],
    );
    process.stdout.write(report.text);
    process.exitCode = report.ok ? 0 : 1;
  });
program
  .command('run')
  .description('walk a workflow from the terminal: low-risk calls run, the rest are simulated')
  .requiredOption(
    '--dry-run',
    'required: real runs start from Slack, where they are approved and recorded',
  )
  .argument('<workflow>', 'the workflow name')
  .argument('[inputs...]', 'name=value inputs')
  .option(
    '--dir <dir>',
    'directory of workflow manifests',
    process.env.WORKFLOWS_DIR || './workflows',
  )
  .action(async (workflow: string, inputs: string[], options: { dir: string }) => {
    process.exitCode = await dryRunInTerminal({
      dir: options.dir,
      workflow,
      words: inputs,
      tools: new ManifestToolRunner(),
      write: (text) => process.stdout.write(text),
    });
  });
program
  .command('schema')
  .description('print the JSON Schema of the manifest format (for editors; see docs/manifest.md)')
  .action(() => {
    process.stdout.write(`${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`countersign: ${(error as Error).message}\n`);
  process.exit(1);
});
