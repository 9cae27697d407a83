import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { createGatewayToken } from '../../../gateway/create-token';
import { mayStartWorkflow } from '../../../policy/may-start-workflow';
import type { GatewaySpec, WorkflowManifest } from '../../../workflows/manifest-schema';
import { escapeMrkdwn } from '../../blocks/mrkdwn';
import { newTokenMessage } from '../../blocks/token-message';
import { answerAfterAck } from './answer-after-ack';
import type { CommandDeps } from './deps';
import { TOKEN_USAGE } from './usage';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** The label of every token made in Slack: `token list` tells them from the CLI's. */
export const SLACK_TOKEN_LABEL = 'slack';

const UNAVAILABLE =
  'Countersign could not make your token right now (its database did not answer). Nothing was made; please try again shortly.';

/**
 * `/countersign token <workflow>`: a new gateway token bound to the person, answered privately
 * with the settings to paste, only if `access` lets them use the workflow.
 */
export async function createTokenCommand(
  deps: CommandDeps,
  args: Args,
  words: string[],
): Promise<void> {
  const [name, ...extra] = words;
  if (name === undefined || extra.length > 0) {
    await args.ack({
      response_type: 'ephemeral',
      text: `${name === undefined ? 'Which workflow?' : 'One workflow, nothing more.'} Usage: \`${TOKEN_USAGE}\``,
    });
    return;
  }
  const checked = await tokenWorkflow(deps, args.command, name);
  if ('refusal' in checked) {
    await args.ack({ response_type: 'ephemeral', text: checked.refusal });
    return;
  }
  const { manifest } = checked;
  const userId = args.command.user_id;
  const request = {
    workflow: manifest.name,
    userId,
    label: SLACK_TOKEN_LABEL,
    headless: false,
    expiresInMs: SLACK_TOKEN_LIFETIME_MS,
  };
  await answerAfterAck(
    deps,
    args,
    'token',
    async () => {
      const { text, token } = await createGatewayToken(deps, request, userId);
      return newTokenMessage({
        token,
        text,
        waitMs: manifest.gateway.wait,
        ...(deps.publicUrl !== undefined ? { publicUrl: deps.publicUrl } : {}),
      });
    },
    UNAVAILABLE,
  );
}

/** A token asked for in Slack lasts 90 days: a laptop's token should not outlive the laptop. */
export const SLACK_TOKEN_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000;

/**
 * The gateway workflow a token may be made for, or why not, in words. A workflow the person may
 * not use is told as one that does not exist, as `/countersign run` does, so names cannot be probed.
 */
async function tokenWorkflow(
  deps: CommandDeps,
  command: Args['command'],
  name: string,
): Promise<{ manifest: WorkflowManifest & { gateway: GatewaySpec } } | { refusal: string }> {
  const userId = command.user_id;
  const shown = escapeMrkdwn(name.slice(0, 80));
  const manifest = deps.catalog().workflows.get(name)?.manifest;
  // The channel is the one asked from, as for `run`; a gateway workflow lists no channels
  // (validation refuses them: a token is used in no channel), so only users and groups count.
  const access = manifest
    ? await mayStartWorkflow(manifest, { userId, channelId: command.channel_id }, deps.groups)
    : ({ allowed: false, reason: 'unknown_workflow' } as const);
  if (manifest === undefined || !access.allowed) {
    const reason = access.allowed ? 'unknown_workflow' : access.reason;
    deps.log.info({ workflow: name.slice(0, 80), user: userId, reason }, 'token refused');
    return {
      refusal:
        reason === 'access_unresolved'
          ? `Countersign could not check your access to "${shown}" right now (Slack did not say which user groups you are in). No token was made; please try again in a moment.`
          : `There is no workflow "${shown}" that you can use here. Try \`/countersign list\`.`,
    };
  }
  if (manifest.gateway === undefined) {
    return {
      refusal: `*${shown}* is a workflow Countersign carries out itself, with no \`gateway\` block: tokens are for workflows that govern outside agents such as Claude Code.`,
    };
  }
  return { manifest: manifest as WorkflowManifest & { gateway: GatewaySpec } };
}
