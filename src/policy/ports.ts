/** Who belongs to a Slack user group; implemented over Slack's Web API in `slack/`. */
export interface UsergroupDirectory {
  /**
   * The user ids of the group's members; an empty set for a group that does not exist.
   * @throws when the members cannot be known right now (Slack unreachable, missing scope…)
   */
  members(usergroupId: string): Promise<ReadonlySet<string>>;
}
