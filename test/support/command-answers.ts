import { validateMessageBlocks } from './block-kit-limits';
import type { Harness } from './countersign-harness';
import { eventually } from './eventually';
import { finalRun } from './run-records';
import { newTriggerId } from './slack-request';

export interface CommandAnswer {
  response_type?: string;
  text: string;
  blocks?: unknown[];
}

let answers = 0;

/**
 * Sends `/countersign <text>` as `user`; expects the empty ack of a command answered later, then
 * returns what was posted to its response_url, after checking it against Block Kit's limits.
 */
export async function laterAnswer(h: Harness, text: string, user: string): Promise<CommandAnswer> {
  answers += 1;
  const id = `answer-${answers}`;
  const response = await h.slash({ text, user_id: user, response_url: h.slack.responseUrl(id) });
  expect(response.status).toBe(200);
  expect(response.text).toBe('');
  expect(response.ms).toBeLessThan(3000);
  const call = await h.slack.waitForCall('response_url', (c) => c.path === `/response/${id}`);
  expect(call.response.status).toBe(200);
  const answer = call.args as unknown as CommandAnswer;
  expect(answer.response_type).toBe('ephemeral');
  if (answer.blocks !== undefined) expect(validateMessageBlocks(answer.blocks)).toEqual([]);
  return answer;
}

/** Sends `/countersign <text>` as `user` and returns the answer given in the ack itself. */
export async function immediateAnswer(
  h: Harness,
  text: string,
  user: string,
): Promise<CommandAnswer> {
  const response = await h.slash({ text, user_id: user });
  expect(response.status).toBe(200);
  const answer = response.json as CommandAnswer;
  expect(answer.response_type).toBe('ephemeral');
  return answer;
}

/** Starts a run with `/countersign <text>` as `user`; resolves once it is recorded. */
export async function recordedRun(h: Harness, text: string, user: string) {
  const trigger_id = newTriggerId();
  const response = await h.slash({ text, user_id: user, trigger_id });
  expect(response.status).toBe(200);
  return eventually('the run to be recorded', async () => {
    const run = await h.db.collection('runs').findOne({ requestKey: trigger_id });
    return run ?? undefined;
  });
}

/** Starts a run with `/countersign <text>` as `user` and waits until its outcome is announced. */
export async function finishedRun(h: Harness, text: string, user: string) {
  const recorded = await recordedRun(h, text, user);
  return finalRun(h.db.collection('runs'), String(recorded._id), { announced: true });
}
