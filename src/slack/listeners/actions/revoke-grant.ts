import { showOnCards } from '../../../approvals/approval-cards';
import { isGrantId, revokeGrant } from '../../../gateway/grants';
import { slackDate } from '../../blocks/mrkdwn';
import { republishAppHome } from '../../publish-app-home';
import type { CommandDeps } from '../commands/deps';
import { type ButtonArgs, buttonValue, tellClicker } from './tell-clicker';

/** Revoke, beside a grant on App Home: for its person, an approver of its workflow, or an admin. */
export async function revokeGrantClick(deps: CommandDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const userId = args.body.user.id;
  const id = buttonValue(args);
  if (!isGrantId(id)) {
    await tellClicker(args, 'This button does not name a grant; nothing was revoked.');
    return;
  }
  const result = await revokeGrant(
    {
      grants: deps.gateway.grants,
      approvals: deps.decisions.approvals,
      groups: deps.decisions.groups,
      admins: deps.admins,
      audit: deps.audit,
      clock: deps.clock,
    },
    id,
    userId,
  );
  switch (result.outcome) {
    case 'unknown':
      await tellClicker(args, 'This grant no longer exists; nothing was revoked.');
      break;
    case 'refused':
      await tellClicker(
        args,
        result.why === 'unresolved'
          ? 'Slack could not say just now whether you are in an approver group; nothing was revoked. Try again in a minute.'
          : 'Only the person it was given to, an approver of its workflow or an admin may revoke this grant; nothing was revoked.',
      );
      break;
    case 'ended':
      await tellClicker(
        args,
        result.grant.revokedAt
          ? `This grant was revoked already, ${slackDate(result.grant.revokedAt)}.`
          : 'This grant has ended already.',
      );
      break;
    case 'revoked': {
      const approval = await deps.decisions.approvals.get(result.grant.approvalId);
      if (approval !== null) await showOnCards(deps.decisions, approval);
      break;
    }
  }
  await republishAppHome(deps, args.client, userId);
}
