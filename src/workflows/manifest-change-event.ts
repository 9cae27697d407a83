import type { ManifestEvent } from '../audit/audit-event';
import { formatProblem } from './load-workflows';
import type { WorkflowChange } from './workflow-registry';

/**
 * The audit record of a registry change. `process` names the service process that saw it: each
 * Slack-side process loads the manifests itself, so each records what it serves.
 */
export function manifestChangeEvent(
  change: WorkflowChange,
  at: Date,
  process: string,
): ManifestEvent {
  const details: ManifestEvent['details'] = { file: change.file, process };
  if (change.hash !== undefined) details.hash = change.hash;
  if (change.kind === 'changed') details.previousHash = change.previousHash;
  if (change.kind === 'rejected') {
    details.problems = change.problems.map(formatProblem).join('\n');
    if (change.servingHash !== undefined) details.servingHash = change.servingHash;
  }
  return {
    type: `manifest.${change.kind}`,
    at,
    actor: 'countersign',
    ...(change.workflow !== undefined ? { workflow: change.workflow } : {}),
    details,
  };
}
