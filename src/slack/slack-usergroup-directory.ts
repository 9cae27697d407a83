import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { UsergroupDirectory } from '../policy/ports';
import { slackError } from './slack-error';

/**
 * Group members from Slack's `usergroups.users.list` (bot scope `usergroups:read`). A group
 * Slack does not know (deleted, or a typo in a manifest) has no members; any other failure
 * (`missing_scope`, rate limit, network) is thrown, and access is then refused.
 */
export class SlackUsergroupDirectory implements UsergroupDirectory {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
  ) {}

  async members(usergroupId: string): Promise<ReadonlySet<string>> {
    try {
      const answer = await this.client.usergroups.users.list({ usergroup: usergroupId });
      return new Set(answer.users ?? []);
    } catch (error) {
      if (slackError(error) !== 'no_such_subteam') throw error;
      this.log.warn(
        { usergroup: usergroupId },
        'a manifest names a user group Slack does not know; it grants nothing',
      );
      return new Set();
    }
  }
}
