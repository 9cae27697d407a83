import type { App } from '@slack/bolt';
import { APPROVAL_ACTION } from '../../blocks/approval-value';
import type { CommandDeps } from '../commands/deps';
import { answerUnknownButton, otherActionIds } from './answer-unknown-button';
import { approveCall } from './approve-call';
import { approveForSession } from './approve-for-session';
import { decideCallOutcome } from './decide-outcome';
import { denyCall } from './deny-call';
import { revokeGrantClick } from './revoke-grant';
import { showCallArguments } from './show-call-arguments';
import { showCallPart } from './show-call-part';

export function registerActions(app: App, deps: CommandDeps): void {
  app.action(APPROVAL_ACTION.approve, (args) => approveCall(deps, args as never));
  app.action(APPROVAL_ACTION.deny, (args) => denyCall(deps, args as never));
  app.action(APPROVAL_ACTION.showArguments, (args) => showCallArguments(deps, args as never));
  app.action(APPROVAL_ACTION.showArgumentsPrevious, (args) => showCallPart(deps, args as never));
  app.action(APPROVAL_ACTION.showArgumentsNext, (args) => showCallPart(deps, args as never));
  app.action(APPROVAL_ACTION.grantShort, (args) => approveForSession(deps, args as never));
  app.action(APPROVAL_ACTION.grantLong, (args) => approveForSession(deps, args as never));
  app.action(APPROVAL_ACTION.revokeGrant, (args) => revokeGrantClick(deps, args as never));
  app.action(APPROVAL_ACTION.retry, (args) => decideCallOutcome(deps, args as never, 'retry'));
  app.action(APPROVAL_ACTION.markDone, (args) => decideCallOutcome(deps, args as never, 'done'));
  app.action(APPROVAL_ACTION.abort, (args) => decideCallOutcome(deps, args as never, 'abort'));
  // Every other action_id; the pattern leaves out those above, since Bolt runs each listener that matches.
  app.action(otherActionIds(Object.values(APPROVAL_ACTION)), (args) =>
    answerUnknownButton(deps, args as never),
  );
}
