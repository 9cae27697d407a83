import { claudeCodeRoutes } from '../http/claude-code-route';
import type { Route } from '../http/routes';
import type { WorkflowCatalog } from '../workflows/load-workflows';
import type { Core } from './core';

/** Slack waits 3 s for a slash command; a gateway request has its own deadline, set by the hook. */
const ACCESS_CHECK_TIMEOUT_MS = 2_000;

/**
 * The gateway's routes on the service's server: Claude Code's hook. It decides on the workflows
 * in force now (`catalog`, reloaded as manifests change) and publishes approvals as runs do.
 */
export function gatewayRoutes(core: Core, catalog: () => WorkflowCatalog): Route[] {
  const { database, decisions, clock, log } = core;
  const gateway = {
    calls: database.calls,
    grants: database.grants,
    approvals: { ...decisions, timers: core.timers },
    audit: database.audit,
    waiters: core.waiters,
    clock,
    log,
  };
  const identify = {
    tokens: database.tokens,
    catalog,
    groups: { directory: core.directory, timeoutMs: ACCESS_CHECK_TIMEOUT_MS },
    audit: database.audit,
    clock,
  };
  return claudeCodeRoutes({ gateway, identify, metrics: core.metrics, log });
}
