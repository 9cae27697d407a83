import type { ApprovalRecord } from './approval';
import type { ApprovalSubject } from './ports';

/**
 * One subject for every approval, handing each to the subject it is about: a gateway session's
 * (`session` set) or a run's.
 */
export function approvalSubjects(subjects: {
  runs: ApprovalSubject;
  sessions: ApprovalSubject;
}): ApprovalSubject {
  const of = (approval: ApprovalRecord) =>
    approval.session === undefined ? subjects.runs : subjects.sessions;
  return {
    standing: (approval) => of(approval).standing(approval),
    concluded: (approval) => of(approval).concluded(approval),
    chosen: (approval, choice) => of(approval).chosen(approval, choice),
    escalation: (approval) => of(approval).escalation(approval),
  };
}
