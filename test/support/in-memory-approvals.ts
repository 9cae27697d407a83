import pino from 'pino';
import {
  type ApprovalRecord,
  ApprovalStatus,
  approvalBinding,
  type CardRef,
  cardsOf,
  type People,
  type SurfaceCard,
} from '../../src/approvals/approval';
import type { DecideApprovalDeps } from '../../src/approvals/decide-approval';
import type {
  ApprovalRepository,
  ApprovalSubject,
  ApprovalSurface,
  ApprovalTimers,
  ClosedStatus,
  OutcomeChoice,
  SubjectStanding,
} from '../../src/approvals/ports';
import type { ApprovalEvent, AuditEvent } from '../../src/audit/audit-event';

/**
 * In-memory ports of approvals/, for deciding without Slack, MongoDB or Redis. Each keeps what it
 * was sent, so a test can say what reached the surfaces, the subject and the queue.
 */

/** The repository's contract (one decision, a quorum of distinct voters) on a Map. */
export class InMemoryApprovals implements ApprovalRepository {
  readonly records = new Map<string, ApprovalRecord>();

  async createOnce(approval: ApprovalRecord): Promise<ApprovalRecord> {
    if (!this.records.has(approval.id)) this.records.set(approval.id, structuredClone(approval));
    return this.copy(approval.id);
  }

  async get(id: string): Promise<ApprovalRecord | null> {
    return this.records.has(id) ? this.copy(id) : null;
  }

  async pending(limit: number): Promise<ApprovalRecord[]> {
    return [...this.records.values()]
      .filter((approval) => approval.status === ApprovalStatus.Pending)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, limit)
      .map((approval) => structuredClone(approval));
  }

  async ofRun(runId: string): Promise<ApprovalRecord[]> {
    return [...this.records.values()]
      .filter((approval) => approval.runId === runId)
      .map((approval) => structuredClone(approval));
  }

  async addCard(id: string, card: SurfaceCard): Promise<void> {
    const approval = this.mustHave(id);
    const others = cardsOf(approval).filter((kept) => kept.surface !== card.surface);
    approval.cards = [...others, card];
    delete approval.card;
  }

  async addVote(id: string, userId: string, at: Date, note?: string) {
    const approval = this.mustHave(id);
    const voted = approval.approvals.some((vote) => vote.userId === userId);
    if (approval.status !== ApprovalStatus.Pending || voted) {
      return { counted: false, decided: false, approval: this.copy(id) };
    }
    approval.approvals.push({ userId, at });
    const decided = approval.approvals.length >= approval.required;
    if (decided) this.end(approval, ApprovalStatus.Approved, userId, at, note);
    return { counted: true, decided, approval: this.copy(id) };
  }

  async close(id: string, status: ClosedStatus, by: string, at: Date, note?: string) {
    const approval = this.mustHave(id);
    if (approval.status !== ApprovalStatus.Pending) return null;
    this.end(approval, status, by, at, note);
    return this.copy(id);
  }

  async markReminded(id: string, at: Date): Promise<boolean> {
    const approval = this.mustHave(id);
    if (approval.remindedAt !== undefined) return false;
    approval.remindedAt = at;
    return true;
  }

  async escalate(id: string, to: People, at: Date): Promise<ApprovalRecord | null> {
    const approval = this.mustHave(id);
    if (approval.status !== ApprovalStatus.Pending || approval.escalatedAt) return null;
    Object.assign(approval, { escalatedTo: to, escalatedAt: at });
    return this.copy(id);
  }

  private end(
    approval: ApprovalRecord,
    status: ApprovalRecord['status'],
    by: string,
    at: Date,
    note?: string,
  ) {
    Object.assign(approval, { status, decidedBy: by, decidedAt: at });
    if (note !== undefined) approval.decisionNote = note;
  }

  private mustHave(id: string): ApprovalRecord {
    const approval = this.records.get(id);
    if (approval === undefined) throw new Error(`approval ${id} does not exist`);
    return approval;
  }

  private copy(id: string): ApprovalRecord {
    return structuredClone(this.mustHave(id));
  }
}

/** A surface that keeps every card it posts and every update and message it is sent. */
export class RecordingSurface implements ApprovalSurface {
  readonly posted: ApprovalRecord[] = [];
  /** Each update: the card it went to, and the approval's status then. */
  readonly updates: { card: CardRef; status: string; votes: number }[] = [];
  readonly told: { users: string[]; what: 'reminder' | 'escalation' }[] = [];
  /** Set to refuse updates, as a surface that is down does. */
  refuseUpdates = false;

  constructor(readonly name: string) {}

  async postCard(approval: ApprovalRecord): Promise<CardRef> {
    this.posted.push(structuredClone(approval));
    return { card: `${this.name}-${this.posted.length}` };
  }

  async updateCard(approval: ApprovalRecord, card: CardRef): Promise<void> {
    if (this.refuseUpdates) throw new Error(`${this.name} is down`);
    this.updates.push({ card, status: approval.status, votes: approval.approvals.length });
  }

  async tellPrivately(users: string[], _approval: ApprovalRecord, what: 'reminder' | 'escalation') {
    this.told.push({ users, what });
  }
}

/** A subject that stands as a test sets it, and keeps what it was told. */
export class RecordingSubject implements ApprovalSubject {
  standingNow: SubjectStanding = { state: 'waiting' };
  escalateTo: People | undefined;
  readonly concludedWith: { id: string; status: string }[] = [];
  readonly chosenWith: { id: string; choice: OutcomeChoice; by?: string }[] = [];

  async standing(): Promise<SubjectStanding> {
    return this.standingNow;
  }

  async concluded(approval: ApprovalRecord): Promise<void> {
    this.concludedWith.push({ id: approval.id, status: approval.status });
  }

  async chosen(approval: ApprovalRecord, choice: OutcomeChoice): Promise<void> {
    this.chosenWith.push({
      id: approval.id,
      choice,
      ...(approval.decidedBy ? { by: approval.decidedBy } : {}),
    });
  }

  async escalation(): Promise<People | undefined> {
    return this.escalateTo;
  }
}

/** The queue's side of approvals: what was scheduled, and which card updates were handed over. */
export class RecordingTimers implements ApprovalTimers {
  readonly scheduled: string[] = [];
  readonly retried: { id: string; status: string }[] = [];

  async schedule(approval: ApprovalRecord): Promise<void> {
    this.scheduled.push(approval.id);
  }

  async retryCardUpdate(approval: ApprovalRecord): Promise<void> {
    this.retried.push({ id: approval.id, status: approval.status });
  }
}

/** Everything approvals/ needs, in memory, with two surfaces side by side. */
export function inMemoryDecisions(now = new Date('2026-03-03T10:00:00Z')) {
  // approvals/ records only approval events.
  const audit: ApprovalEvent[] = [];
  const surfaces = [new RecordingSurface('chat'), new RecordingSurface('web')];
  const groups = new Map<string, Set<string>>();
  const deps = {
    approvals: new InMemoryApprovals(),
    subject: new RecordingSubject(),
    surfaces,
    timers: new RecordingTimers(),
    audit: { record: async (event: AuditEvent) => void audit.push(event as ApprovalEvent) },
    groups: { members: async (group: string) => groups.get(group) ?? new Set<string>() },
    clock: () => now,
    log: pino({ level: 'silent' }),
  } satisfies DecideApprovalDeps;
  return { deps, surfaces, audit, groups };
}

/**
 * A request for approval about no run: the subject is whatever the test's subject says (an agent's
 * outside call, say), named by its own id.
 */
export function approvalAbout(
  subjectId: string,
  fields: Partial<ApprovalRecord> = {},
): ApprovalRecord {
  const call = { tool: 'deploy', args: '{"env":"prod"}', manifestHash: 'f'.repeat(64) };
  return {
    id: `${subjectId}:0`,
    runId: subjectId,
    step: 0,
    workflow: 'outside-call',
    kind: 'call',
    ...call,
    risk: 'high',
    binding: approvalBinding(call),
    requesterId: 'U0AGENT',
    approvers: { users: ['U0LEAD', 'U0SRE'], usergroups: [] },
    required: 1,
    allowSelfApproval: false,
    onTimeout: 'expire',
    channel: 'C0APPROVALS',
    status: ApprovalStatus.Pending,
    approvals: [],
    createdAt: new Date('2026-03-03T09:59:00Z'),
    expiresAt: new Date('2026-03-03T10:30:00Z'),
    ...fields,
  };
}
