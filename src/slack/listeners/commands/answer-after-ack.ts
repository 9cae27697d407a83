import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs, types } from '@slack/bolt';
import { within } from '../../../shared/within';
import type { CommandDeps } from './deps';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export interface Answer {
  text: string;
  blocks?: types.KnownBlock[];
}

/** Past this the reader is told to try again, and shutdown no longer waits for the read. */
const READ_TIMEOUT_MS = 10_000;

const UNAVAILABLE =
  'Countersign could not read its run records right now (its database did not answer). Please try again shortly.';

/**
 * Acks at once, then answers privately through the command's response_url once `read` is done:
 * a slow database can delay the answer, but never cost the ack Slack waits 3 seconds for.
 */
export async function answerAfterAck(
  deps: CommandDeps,
  { ack, respond }: Args,
  subcommand: string,
  read: () => Promise<Answer>,
  unavailable = UNAVAILABLE,
): Promise<void> {
  await ack();
  deps.track(answer(deps, respond, subcommand, read, unavailable));
}

async function answer(
  deps: CommandDeps,
  respond: Args['respond'],
  subcommand: string,
  read: () => Promise<Answer>,
  unavailable: string,
): Promise<void> {
  const log = deps.log.child({ subcommand });
  const message = await readOrExplain(read, log, unavailable);
  await respond({ response_type: 'ephemeral', ...message }).catch((error) =>
    log.warn({ err: error }, 'could not answer through the response_url'),
  );
}

/** What `read` gives; past READ_TIMEOUT_MS, or when it fails, the `unavailable` text (logged). */
async function readOrExplain(
  read: () => Promise<Answer>,
  log: CommandDeps['log'],
  unavailable: string,
): Promise<Answer> {
  try {
    const message = await within(READ_TIMEOUT_MS, read());
    if (message !== undefined) return message;
    throw new Error(`no answer within ${READ_TIMEOUT_MS} ms`);
  } catch (error) {
    log.error({ err: error }, 'could not read the runs to answer a command');
    return { text: unavailable };
  }
}
