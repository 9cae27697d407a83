import type { Logger } from 'pino';
import type { DecideApprovalDeps } from '../../../approvals/decide-approval';
import type { AuditLog } from '../../../audit/ports';
import type { CallStore, GrantStore, TokenStore } from '../../../gateway/ports';
import type { Metrics } from '../../../observability/metrics';
import type { GroupLookup } from '../../../policy/may-start-workflow';
import type { RunQueue, RunRepository } from '../../../runs/ports';
import type { Clock } from '../../../shared/clock';
import type { WorkflowCatalog } from '../../../workflows/load-workflows';

/** What the slash-command listeners need; built once by the service. */
export interface CommandDeps {
  catalog: () => WorkflowCatalog;
  runs: RunRepository;
  queue: RunQueue;
  /** User-group lookups of access rules, bounded so the command is still answered in time. */
  groups: GroupLookup;
  audit: AuditLog;
  /** Slack user ids of COUNTERSIGN_ADMINS. */
  admins: ReadonlySet<string>;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Approvers' clicks: the decision, the run it resumes, the card it updates. */
  decisions: DecideApprovalDeps;
  /** The gateway's calls and grants: grants given on cards, pending calls and grants on Home and status. */
  gateway: { calls: CallStore; grants: GrantStore };
  /** Gateway tokens, made by `/countersign token <workflow>`. */
  tokens: TokenStore;
  /** COUNTERSIGN_PUBLIC_URL: the service's address in the settings a token comes with. */
  publicUrl?: string;
  /** Registers work done after the ack, so a shutdown waits for it. */
  track: (work: Promise<unknown>) => void;
}
