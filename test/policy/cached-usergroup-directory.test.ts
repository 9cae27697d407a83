import { CachedUsergroupDirectory } from '../../src/policy/cached-usergroup-directory';
import type { UsergroupDirectory } from '../../src/policy/ports';

/** A directory whose answers the test controls, counting how often it is asked. */
class ScriptedDirectory implements UsergroupDirectory {
  asked = 0;
  groups = new Map<string, string[]>();
  failWith: Error | undefined;
  private release: (() => void) | undefined;
  private gate: Promise<void> | undefined;

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  open(): void {
    this.release?.();
    this.gate = undefined;
  }

  async members(id: string): Promise<ReadonlySet<string>> {
    this.asked += 1;
    await this.gate;
    if (this.failWith) throw this.failWith;
    return new Set(this.groups.get(id) ?? []);
  }
}

describe('the user-group cache', () => {
  let now: number;
  let source: ScriptedDirectory;
  let cache: CachedUsergroupDirectory;

  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00Z');
    source = new ScriptedDirectory();
    source.groups.set('S1', ['U1']);
    cache = new CachedUsergroupDirectory(source, 60_000, () => new Date(now));
  });

  it('answers from memory until the TTL has passed, then asks again', async () => {
    expect(await cache.members('S1')).toEqual(new Set(['U1']));
    source.groups.set('S1', ['U2']);
    now += 59_999;
    expect(await cache.members('S1')).toEqual(new Set(['U1']));
    now += 1;
    expect(await cache.members('S1')).toEqual(new Set(['U2']));
    expect(source.asked).toBe(2);
  });

  it('shares one lookup between callers asking at the same time', async () => {
    source.hold();
    const answers = Promise.all([cache.members('S1'), cache.members('S1'), cache.members('S1')]);
    source.open();
    expect(await answers).toEqual([new Set(['U1']), new Set(['U1']), new Set(['U1'])]);
    expect(source.asked).toBe(1);
  });

  it('does not remember a failure: the next ask goes to the source again', async () => {
    source.failWith = new Error('ratelimited');
    await expect(cache.members('S1')).rejects.toThrow('ratelimited');
    source.failWith = undefined;
    expect(await cache.members('S1')).toEqual(new Set(['U1']));
    expect(source.asked).toBe(2);
  });

  it('never answers with an expired membership when the source fails', async () => {
    await cache.members('S1');
    now += 60_000;
    source.failWith = new Error('slack is down');
    await expect(cache.members('S1')).rejects.toThrow('slack is down');
  });
});
