import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { mayStartWorkflow } from '../../../policy/may-start-workflow';
import { workflowListMessage } from '../../blocks/workflow-list';
import type { CommandDeps } from './deps';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/countersign list`: the workflows this user may start from this channel, with their inputs;
 * admins also see the manifests that failed to load.
 */
export async function listWorkflows(deps: CommandDeps, { command, ack }: Args): Promise<void> {
  const requester = { userId: command.user_id, channelId: command.channel_id };
  const catalog = deps.catalog();
  const loaded = [...catalog.workflows.values()];
  // Every check shares the same bounded group lookups, so the answer still comes in time.
  const decisions = await Promise.all(
    loaded.map(({ manifest }) => mayStartWorkflow(manifest, requester, deps.groups)),
  );
  const unresolved = decisions.flatMap((decision) =>
    !decision.allowed && decision.reason === 'access_unresolved' ? [decision.error] : [],
  );
  if (unresolved.length > 0) {
    deps.log.warn(
      { user: requester.userId, errors: [...new Set(unresolved)] },
      'list: user groups could not be looked up; those workflows are left out',
    );
  }
  const message = workflowListMessage({
    workflows: loaded.filter((_, index) => decisions[index]?.allowed).map((w) => w.manifest),
    unresolved: unresolved.length,
    ...(deps.admins.has(requester.userId) ? { brokenManifests: catalog.problems } : {}),
  });
  await ack({ response_type: 'ephemeral', ...message });
}
