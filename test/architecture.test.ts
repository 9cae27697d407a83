import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '..');
const depcruise = path.join(root, 'node_modules/.bin/depcruise');

interface Cruise {
  modules: { source: string; dependencies: { resolved: string }[] }[];
  summary: { violations: { rule: { name: string }; from: string; to: string }[] };
}

/** dependency-cruiser's report on `src/` under `cwd`, with the project's own rules. */
function cruise(cwd: string): Cruise {
  const result = spawnSync(
    depcruise,
    ['src', '--config', path.join(root, '.dependency-cruiser.cjs'), '--output-type', 'json'],
    { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (!result.stdout) throw new Error(`depcruise printed nothing: ${result.stderr}`);
  return JSON.parse(result.stdout) as Cruise;
}

const violations = (report: Cruise) =>
  report.summary.violations.map(({ rule, from, to }) => `${rule.name}: ${from} -> ${to}`);

/** `src/<folder>/…` → folder; a file directly in src/ is its own folder. */
const folderOf = (file: string) => file.replace(/^src\//, '').split('/')[0] as string;

/** Pairs of folders that import each other, each with the imports that make it two-way. */
function twoWayFolders(report: Cruise): string[] {
  const edges = new Map<string, string[]>();
  for (const module of report.modules) {
    if (!module.source.startsWith('src/')) continue;
    for (const { resolved } of module.dependencies) {
      const [from, to] = [folderOf(module.source), folderOf(resolved)];
      if (!resolved.startsWith('src/') || from === to) continue;
      const key = `${from} -> ${to}`;
      edges.set(key, [...(edges.get(key) ?? []), `${module.source} -> ${resolved}`]);
    }
  }
  return [...edges.keys()]
    .filter((key) => {
      const [from, to] = key.split(' -> ') as [string, string];
      return from < to && edges.has(`${to} -> ${from}`);
    })
    .flatMap((key) => {
      const [from, to] = key.split(' -> ') as [string, string];
      return [key, ...(edges.get(key) ?? []), ...(edges.get(`${to} -> ${from}`) ?? [])];
    });
}

describe('the dependency rules (.dependency-cruiser.cjs), over all of src/', () => {
  const report = cruise(root);

  it('sees every folder of src/', () => {
    const folders = new Set(report.modules.map((module) => folderOf(module.source)));
    for (const folder of ['agent', 'approvals', 'audit', 'cli', 'gateway', 'observability']) {
      expect(folders).toContain(folder);
    }
    for (const folder of [
      'policy',
      'queue',
      'runs',
      'shared',
      'slack',
      'store',
      'tools',
      'workflows',
    ]) {
      expect(folders).toContain(folder);
    }
  });

  it('has no cycles, keeps transports out of the core and shared primitives at the bottom', () => {
    expect(violations(report)).toEqual([]);
  });

  it('has folder dependencies that run one way only', () => {
    expect(twoWayFolders(report)).toEqual([]);
  });
});

describe('the dependency rules catch', () => {
  let dir: string;
  let report: Cruise;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'countersign-architecture-'));
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ include: ['src'] }));
    const files: Record<string, string> = {
      'runs/queue-user.ts': "import { Queue } from 'bullmq';\nexport const q = Queue;\n",
      'approvals/slack-user.ts': "import type { App } from '@slack/bolt';\nexport type A = App;\n",
      'policy/store-user.ts': "import { x } from '../store/model';\nexport const y = x;\n",
      'gateway/queue-user.ts': "import { q } from '../queue/jobs';\nexport const g = q;\n",
      'queue/jobs.ts': 'export const q = 1;\n',
      'store/model.ts': 'export const x = 1;\n',
      'shared/up.ts': "import { y } from '../policy/store-user';\nexport const z = y;\n",
      'workflows/a.ts': "import type { B } from './b';\nexport type A = { b?: B };\n",
      'workflows/b.ts': "import type { A } from './a';\nexport type B = { a?: A };\n",
      'audit/one.ts': "import { two } from '../cli/two';\nexport const one = two;\n",
      'cli/two.ts': "export const two = 2;\nexport { three } from '../audit/three';\n",
      'audit/three.ts': 'export const three = 3;\n',
      'tools/service-user.ts': "import { s } from '../service';\nexport const t = s;\n",
      'service.ts': 'export const s = 1;\n',
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, 'src', file)), { recursive: true });
      writeFileSync(path.join(dir, 'src', file), text);
    }
    report = cruise(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a core file importing BullMQ, Slack or the store', () => {
    expect(violations(report)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^core-without-transports: src\/runs\/queue-user\.ts -> .*bullmq/),
        expect.stringMatching(
          /^core-without-transports: src\/approvals\/slack-user\.ts -> .*@slack/,
        ),
        'core-without-transports: src/policy/store-user.ts -> src/store/model.ts',
        'core-without-transports: src/gateway/queue-user.ts -> src/queue/jobs.ts',
      ]),
    );
  });

  it('a cycle of type-only imports, a shared file reaching up, and a part importing the service', () => {
    expect(violations(report)).toEqual(
      expect.arrayContaining([
        'no-circular: src/workflows/a.ts -> src/workflows/b.ts',
        'shared-at-the-bottom: src/shared/up.ts -> src/policy/store-user.ts',
        'entry-points-on-top: src/tools/service-user.ts -> src/service.ts',
      ]),
    );
  });

  it('two folders importing each other, with no cycle between files', () => {
    expect(twoWayFolders(report)).toEqual([
      'audit -> cli',
      'src/audit/one.ts -> src/cli/two.ts',
      'src/cli/two.ts -> src/audit/three.ts',
    ]);
  });
});
