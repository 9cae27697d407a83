import os from 'node:os';
import type { Route } from '../http/routes';
import type { Logger } from '../observability/logger';
import { createSlackApp } from '../slack/create-slack-app';
import { formatProblem, type WorkflowCatalog } from '../workflows/load-workflows';
import { manifestChangeEvent } from '../workflows/manifest-change-event';
import { startWorkflowRegistry, type WorkflowChange } from '../workflows/workflow-registry';
import type { Core } from './core';

/** Slack waits 3 s for a slash command's answer; looking up user groups may take half of that. */
const ACCESS_CHECK_TIMEOUT_MS = 1_500;

export interface SlackSurface {
  /** For the service's server: `POST /slack/events`, none in Socket Mode. */
  routes: Route[];
  /** The workflows in force now, as read from WORKFLOWS_DIR (the gateway decides on them too). */
  catalog: () => WorkflowCatalog;
  /** Opens the Socket Mode connection, once the server is up; nothing to do over HTTP. */
  connect(): Promise<void>;
  /** Stops reading manifests, then closes the Socket Mode connection if it was opened. */
  stop(): Promise<void>;
}

/** The Bolt app and its listeners, and the workflows it offers, read from WORKFLOWS_DIR. */
export async function startSlackSurface(core: Core): Promise<SlackSurface> {
  const { config, log, database } = core;
  // Only the Slack side reads manifests from disk: a worker runs the copy stored with each run.
  const registry = await startWorkflowRegistry({
    dir: config.WORKFLOWS_DIR,
    watch: config.WORKFLOWS_WATCH,
    onChange: auditManifestChanges(core),
    onError: (error) => log.error({ err: error }, 'workflows could not be reloaded'),
  });
  log.info({ workflows: [...registry.catalog().workflows.keys()] }, 'workflows loaded');
  const slack = createSlackApp(config, log, core.slack.web, {
    catalog: registry.catalog,
    runs: database.runs,
    queue: core.queue,
    groups: { directory: core.directory, timeoutMs: ACCESS_CHECK_TIMEOUT_MS },
    audit: database.audit,
    admins: new Set(config.COUNTERSIGN_ADMINS),
    clock: core.clock,
    log,
    metrics: core.metrics,
    decisions: core.decisions,
    gateway: { calls: database.calls, grants: database.grants },
    tokens: database.tokens,
    ...(config.COUNTERSIGN_PUBLIC_URL ? { publicUrl: config.COUNTERSIGN_PUBLIC_URL } : {}),
    track: (work) => core.sideWork.add(work),
  });
  let connected = false;
  return {
    routes: slack.routes,
    catalog: registry.catalog,
    async connect() {
      await slack.connect();
      connected = true;
    },
    async stop() {
      await registry.stop();
      if (connected) await slack.disconnect();
    },
  };
}

/** Logs each change of a manifest and records it in the audit log, as side work. */
function auditManifestChanges({ log, clock, database, sideWork }: Core) {
  const processName = `${os.hostname()}:${process.pid}`;
  return (change: WorkflowChange) => {
    logWorkflowChange(log, change);
    const event = manifestChangeEvent(change, clock(), processName);
    sideWork.add(
      database.audit
        .record(event)
        .catch((error) => log.error({ err: error, event }, 'could not audit a manifest change')),
    );
  };
}

function logWorkflowChange(log: Logger, change: WorkflowChange): void {
  if (change.kind !== 'rejected') {
    log.info(change, `workflow ${change.kind}`);
    return;
  }
  const { problems, ...rest } = change;
  log.error(
    { ...rest, problems: problems.map(formatProblem) },
    change.servingHash
      ? 'invalid manifest refused; its previous version keeps serving'
      : 'invalid manifest skipped',
  );
}
