import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { CommandLineError, splitWords } from '../../../workflows/command-line';
import { escapeMrkdwn } from '../../blocks/mrkdwn';
import { cancelRunCommand } from './cancel-run';
import { createTokenCommand } from './create-token';
import type { CommandDeps } from './deps';
import { listRuns } from './list-runs';
import { listWorkflows } from './list-workflows';
import { runWorkflow } from './run-workflow';
import { showRunStatus } from './show-run-status';
import { USAGE } from './usage';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

const REQUIRED_FIELDS = ['text', 'user_id', 'team_id', 'channel_id', 'trigger_id'] as const;

/** `/countersign <subcommand> …`: routes to the subcommand; anything else gets the usage. */
export async function countersignCommand(deps: CommandDeps, args: Args): Promise<void> {
  // Slack always sends these; without them there is no one to answer to or to record a run for.
  const missing = REQUIRED_FIELDS.filter(
    (field) =>
      typeof args.command[field] !== 'string' || (field !== 'text' && args.command[field] === ''),
  );
  if (missing.length > 0) {
    deps.log.warn({ missing }, 'slash command without the fields Slack always sends; refused');
    await args.ack({
      response_type: 'ephemeral',
      text: 'Slack sent an incomplete command, so nothing was done. Please try again.',
    });
    return;
  }
  let words: string[];
  try {
    words = splitWords(args.command.text);
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    await args.ack({
      response_type: 'ephemeral',
      text: `Cannot read that command: ${error.message}.\n${USAGE}`,
    });
    return;
  }
  const [subcommand = 'help', ...rest] = words;
  const known = ['run', 'list', 'runs', 'status', 'cancel', 'token', 'help'].includes(subcommand)
    ? subcommand
    : 'unknown';
  deps.metrics.commands.inc({ subcommand: known });
  switch (known) {
    case 'run':
      return runWorkflow(deps, args, rest);
    case 'list':
      return listWorkflows(deps, args);
    case 'runs':
      return listRuns(deps, args, rest);
    case 'status':
      return showRunStatus(deps, args, rest);
    case 'cancel':
      return cancelRunCommand(deps, args, rest);
    case 'token':
      return createTokenCommand(deps, args, rest);
    case 'help':
      await args.ack({ response_type: 'ephemeral', text: USAGE });
      return;
    default:
      await args.ack({
        response_type: 'ephemeral',
        text: `Unknown subcommand \`${escapeMrkdwn(subcommand.slice(0, 50).replace(/`/g, ''))}\`.\n${USAGE}`,
      });
  }
}
