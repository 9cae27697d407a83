import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { classifyCall } from '../../src/gateway/classify-call';
import { compilePolicy } from '../../src/gateway/gateway-policy';
import { formatProblem, type WorkflowCatalog } from '../../src/workflows/load-workflows';
import {
  startWorkflowRegistry,
  type WorkflowChange,
  type WorkflowRegistry,
} from '../../src/workflows/workflow-registry';
import { eventually } from '../support/eventually';

const policy = (low: string[]) => `name: claude
gateway:
  risk:
    default: high
    low:
${low.map((rule) => `      - "${rule}"`).join('\n')}
approval: { approvers: { users: [U0LEAD] }, channel: C0APPROVALS }
`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** What the catalog's version of the workflow decides for `npm test`. */
function npmTestRisk(catalog: WorkflowCatalog): string | undefined {
  const gateway = catalog.workflows.get('claude')?.manifest.gateway;
  if (gateway === undefined) return undefined;
  const compiled = compilePolicy(gateway.risk);
  if (!compiled.ok) return compiled.problem;
  const call = { tool: 'Bash', input: { command: 'npm test' } };
  return classifyCall(compiled.policy, call, { cwd: '/work', home: '/home/dev' }).risk;
}

describe('a gateway manifest, hot reloaded from a real folder', () => {
  let dir: string;
  let registry: WorkflowRegistry | undefined;
  const changes: WorkflowChange[] = [];
  const errors: Error[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-gateway-reload-'));
  });
  afterEach(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a changed policy at once, and refuses a rule that can match nothing while the last good one keeps deciding', async () => {
    const file = path.join(dir, 'claude.yaml');
    const v1 = policy(['Read']);
    await writeFile(file, v1);
    registry = await startWorkflowRegistry({
      dir,
      onChange: (change) => changes.push(change),
      onError: (error) => errors.push(error),
    });
    const live = registry;
    const catalogWhere = (what: string, check: (catalog: WorkflowCatalog) => boolean) =>
      eventually(what, async () => (check(live.catalog()) ? live.catalog() : undefined));
    expect(npmTestRisk(live.catalog())).toBe('high');

    const v2 = policy(['Read', 'Bash(npm test:*)']);
    await writeFile(file, v2);
    const changed = await catalogWhere(
      'the new policy to load',
      (catalog) => catalog.workflows.get('claude')?.hash === sha256(v2),
    );
    expect(npmTestRisk(changed)).toBe('low');

    const v3 = policy(['Read', 'Bash(npm test:*)', 'Glob(src/**)']);
    await writeFile(file, v3);
    const refused = await catalogWhere('the broken rule to be reported', (catalog) =>
      catalog.problems.some((problem) => problem.file === file),
    );
    expect(refused.problems.map(formatProblem)).toEqual([
      `${file}:8:9  gateway.risk.low.2  Glob takes no specifier, so Glob(src/**) matches nothing: Read(…) rules cover Glob, Grep and LS`,
    ]);
    expect(refused.workflows.get('claude')?.hash).toBe(sha256(v2));
    expect(npmTestRisk(refused)).toBe('low');
    expect(changes.at(-1)).toMatchObject({
      kind: 'rejected',
      workflow: 'claude',
      hash: sha256(v3),
      servingHash: sha256(v2),
    });
    expect(errors).toEqual([]);
  });
});
