import type { Clock } from '../shared/clock';
import type { UsergroupDirectory } from './ports';

/**
 * Remembers each group's members for `ttlMs`, so a burst of commands costs one Slack call per
 * group (`usergroups.users.list` is rate-limited to about 20 calls a minute). Concurrent asks
 * for the same group share one lookup; a failed lookup is not remembered, and an expired entry is
 * never served after a failure: access is denied rather than decided on stale membership.
 */
export class CachedUsergroupDirectory implements UsergroupDirectory {
  private readonly known = new Map<string, { members: ReadonlySet<string>; until: number }>();
  private readonly pending = new Map<string, Promise<ReadonlySet<string>>>();

  constructor(
    private readonly source: UsergroupDirectory,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  members(usergroupId: string): Promise<ReadonlySet<string>> {
    const entry = this.known.get(usergroupId);
    if (entry !== undefined && this.clock().getTime() < entry.until) {
      return Promise.resolve(entry.members);
    }
    const inFlight = this.pending.get(usergroupId);
    if (inFlight !== undefined) return inFlight;
    const lookup = this.source.members(usergroupId).then(
      (members) => {
        this.pending.delete(usergroupId);
        this.known.set(usergroupId, { members, until: this.clock().getTime() + this.ttlMs });
        return members;
      },
      (error: unknown) => {
        this.pending.delete(usergroupId);
        throw error;
      },
    );
    this.pending.set(usergroupId, lookup);
    return lookup;
  }
}
