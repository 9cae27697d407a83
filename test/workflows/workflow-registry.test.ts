import { createHash } from 'node:crypto';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowCatalog } from '../../src/workflows/load-workflows';
import {
  startWorkflowRegistry,
  type WorkflowChange,
  type WorkflowRegistry,
  type WorkflowRegistryOptions,
} from '../../src/workflows/workflow-registry';
import { eventually } from '../support/eventually';

const manifest = (name: string, description = 'first') => `
name: ${name}
description: ${description}
steps: [{ tool: t }]
tools: [{ name: t, risk: low, command: { argv: [echo, hi] } }]
`;
const BROKEN = 'name: alpha\nsteps: [ { tool: t }\n';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the workflow registry, on a real folder with a real watcher', () => {
  let dir: string;
  let registry: WorkflowRegistry | undefined;
  let changes: WorkflowChange[];
  let errors: Error[];

  const write = (name: string, text: string) => writeFile(path.join(dir, name), text);
  const start = async (options: Partial<WorkflowRegistryOptions> = {}) => {
    registry = await startWorkflowRegistry({
      dir,
      onChange: (change) => changes.push(change),
      onError: (error) => errors.push(error),
      ...options,
    });
    return registry;
  };
  /** Waits for the catalog to satisfy `check`; returns that catalog. */
  const catalogWhere = (what: string, check: (catalog: WorkflowCatalog) => boolean) =>
    eventually(what, async () => {
      const catalog = registry?.catalog();
      return catalog && check(catalog) ? catalog : undefined;
    });
  const hashOf = (catalog: WorkflowCatalog, name: string) => catalog.workflows.get(name)?.hash;
  const problemFiles = (catalog: WorkflowCatalog) =>
    [...new Set(catalog.problems.map((problem) => path.basename(problem.file)))].sort();

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-registry-'));
    changes = [];
    errors = [];
  });
  afterEach(async () => {
    await registry?.stop();
    registry = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the valid manifests at start and reports a broken one without dropping the others', async () => {
    await write('a.yaml', manifest('alpha'));
    await write('b.yaml', BROKEN);
    const catalog = (await start()).catalog();
    expect([...catalog.workflows.keys()]).toEqual(['alpha']);
    expect(problemFiles(catalog)).toEqual(['b.yaml']);
    expect(changes).toEqual([
      {
        kind: 'loaded',
        workflow: 'alpha',
        file: path.join(dir, 'a.yaml'),
        hash: sha256(manifest('alpha')),
      },
      {
        kind: 'rejected',
        file: path.join(dir, 'b.yaml'),
        hash: sha256(BROKEN),
        problems: catalog.problems,
      },
    ]);
  });

  it('adds the workflow of a new file and removes the workflow of a deleted one', async () => {
    await write('a.yaml', manifest('alpha'));
    await start();
    await write('c.yaml', manifest('gamma'));
    await catalogWhere('gamma to load', (catalog) => catalog.workflows.has('gamma'));
    await unlink(path.join(dir, 'a.yaml'));
    const catalog = await catalogWhere('alpha to go', (catalog) => !catalog.workflows.has('alpha'));
    expect([...catalog.workflows.keys()]).toEqual(['gamma']);
    expect(catalog.problems).toEqual([]);
    expect(changes.map(({ kind, workflow }) => `${kind} ${workflow}`)).toEqual([
      'loaded alpha',
      'loaded gamma',
      'removed alpha',
    ]);
  });

  it('keeps serving the last good version of a file that breaks, and swaps in the fixed one', async () => {
    const v1 = manifest('alpha', 'first');
    const v2 = manifest('alpha', 'second');
    await write('a.yaml', v1);
    await write('other.yaml', manifest('other'));
    await start();

    await write('a.yaml', BROKEN);
    const broken = await catalogWhere(
      'the broken file to be reported',
      (c) => c.problems.length > 0,
    );
    expect(problemFiles(broken)).toEqual(['a.yaml']);
    expect(hashOf(broken, 'alpha')).toBe(sha256(v1));
    expect(broken.workflows.get('alpha')?.manifest.description).toBe('first');
    expect(broken.workflows.has('other')).toBe(true);
    expect(changes.at(-1)).toEqual({
      kind: 'rejected',
      file: path.join(dir, 'a.yaml'),
      hash: sha256(BROKEN),
      problems: broken.problems,
      workflow: 'alpha',
      servingHash: sha256(v1),
    });

    await write('a.yaml', v2);
    const fixed = await catalogWhere('the fixed version', (c) => hashOf(c, 'alpha') === sha256(v2));
    expect(fixed.problems).toEqual([]);
    expect(fixed.workflows.get('alpha')?.manifest.description).toBe('second');
    expect(changes.at(-1)).toEqual({
      kind: 'changed',
      workflow: 'alpha',
      file: path.join(dir, 'a.yaml'),
      hash: sha256(v2),
      previousHash: sha256(v1),
    });
  });

  it("picks up an editor's save that writes a copy and renames it over the file", async () => {
    await write('a.yaml', manifest('alpha', 'first'));
    await start();
    await write('.a.yaml.swp', manifest('alpha', 'second'));
    await rename(path.join(dir, '.a.yaml.swp'), path.join(dir, 'a.yaml'));
    const catalog = await catalogWhere(
      'the saved version',
      (c) => hashOf(c, 'alpha') === sha256(manifest('alpha', 'second')),
    );
    expect(catalog.problems).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('swaps two files changed together in at once, and never alters a catalog already handed out', async () => {
    await write('a.yaml', manifest('alpha', 'old'));
    await write('b.yaml', manifest('beta', 'old'));
    // A longer quiet time than the default, so both saves surely fall in one reload.
    await start({ debounceMs: 300 });
    const before = registry?.catalog() as WorkflowCatalog;
    const descriptions = (c: WorkflowCatalog) =>
      `${c.workflows.get('alpha')?.manifest.description}/${c.workflows.get('beta')?.manifest.description}`;

    const seen = new Set<string>();
    let watching = true;
    const watchCatalog = () => {
      if (!watching) return;
      seen.add(descriptions(registry?.catalog() as WorkflowCatalog));
      setImmediate(watchCatalog);
    };
    watchCatalog();
    await write('a.yaml', manifest('alpha', 'new'));
    await write('b.yaml', manifest('beta', 'new'));
    await catalogWhere('both new versions', (c) => descriptions(c) === 'new/new');
    watching = false;

    expect([...seen]).toEqual(['old/old', 'new/new']);
    expect(descriptions(before)).toBe('old/old');
    expect(before.problems).toEqual([]);
  });

  it('leaves a name with the file that had it first; the newcomer is a problem until the name is free', async () => {
    await write('z.yaml', manifest('alpha', 'incumbent'));
    await start();
    // a.yaml sorts first, but z.yaml was serving alpha already.
    await write('a.yaml', manifest('alpha', 'newcomer'));
    const clash = await catalogWhere('the clash', (c) => c.problems.length > 0);
    expect(clash.workflows.get('alpha')?.manifest.description).toBe('incumbent');
    expect(clash.problems).toEqual([
      expect.objectContaining({ file: path.join(dir, 'a.yaml'), path: 'name' }),
    ]);
    expect(clash.problems[0]?.message).toContain('z.yaml');

    await unlink(path.join(dir, 'z.yaml'));
    const freed = await catalogWhere(
      'the newcomer to take the name',
      (c) => c.workflows.get('alpha')?.manifest.description === 'newcomer',
    );
    expect(freed.problems).toEqual([]);
    expect(changes.at(-1)).toMatchObject({
      kind: 'changed',
      workflow: 'alpha',
      file: path.join(dir, 'a.yaml'),
    });
  });

  it('reports a refused version once, however often the folder is read again', async () => {
    await write('a.yaml', manifest('alpha'));
    await start();
    await write('a.yaml', BROKEN);
    await catalogWhere('the broken file to be reported', (c) => c.problems.length > 0);
    await registry?.reload();
    await write('unrelated.txt', 'notes');
    await registry?.reload();
    expect(changes.filter((change) => change.kind === 'rejected')).toHaveLength(1);
  });

  it('without watching, loads changes only when asked to reload', async () => {
    await write('a.yaml', manifest('alpha'));
    const watchersBefore = openWatchers();
    await start({ watch: false });
    expect(openWatchers()).toBe(watchersBefore);
    await write('b.yaml', manifest('beta'));
    expect(registry?.catalog().workflows.has('beta')).toBe(false);
    await registry?.reload();
    expect(registry?.catalog().workflows.has('beta')).toBe(true);
  });

  it('stops watching and leaves no timer behind, even with a reload pending', async () => {
    const resourcesBefore = openResources();
    await start({ debounceMs: 5_000 });
    expect(openWatchers()).toBe(resourcesBefore.watchers + 1);
    await write('a.yaml', manifest('alpha'));
    await eventually('the reload to be scheduled', async () =>
      openResources().timers > resourcesBefore.timers ? true : undefined,
    );
    await registry?.stop();
    // A closed watcher's handle is released on the event loop's next turn.
    await eventually('the watcher and the timer to be released', async () =>
      JSON.stringify(openResources()) === JSON.stringify(resourcesBefore) ? true : undefined,
    );
  });

  it('fails to start when the folder cannot be read, and leaves nothing open', async () => {
    const resourcesBefore = openResources();
    await expect(startWorkflowRegistry({ dir: path.join(dir, 'missing') })).rejects.toThrow(
      /ENOENT/,
    );
    expect(openResources()).toEqual(resourcesBefore);
  });
});

function openResources() {
  const resources = process.getActiveResourcesInfo();
  return {
    watchers: resources.filter((kind) => kind === 'FSEventWrap').length,
    timers: resources.filter((kind) => kind === 'Timeout').length,
  };
}

function openWatchers(): number {
  return openResources().watchers;
}
