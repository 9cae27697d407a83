import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadWorkflows } from '../../src/workflows/load-workflows';

const valid = (name: string) => `
name: ${name}
steps: [{ tool: t }]
tools: [{ name: t, risk: low, command: { argv: [echo, hi] } }]
`;

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-workflows-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('loading the workflows directory', () => {
  it('loads the shipped examples without a problem', async () => {
    const catalog = await loadWorkflows(path.join(__dirname, '../../workflows'));
    expect(catalog.problems).toEqual([]);
    expect(catalog.workflows.get('hello')?.manifest.steps).toHaveLength(1);
  });

  it('skips a broken file and keeps serving the valid ones', async () => {
    const dir = await dirWith({
      'a.yaml': valid('alpha'),
      'b.yaml': 'name: beta\nsteps: [ { tool: t }\n',
      'c.yml': `${valid('gamma')}colour: blue\n`,
      'd.yaml': valid('alpha'),
      'notes.txt': 'not a manifest',
    });
    const catalog = await loadWorkflows(dir);
    expect([...catalog.workflows.keys()]).toEqual(['alpha']);
    const byFile = Object.fromEntries(catalog.problems.map((p) => [path.basename(p.file), p]));
    expect(Object.keys(byFile).sort()).toEqual(['b.yaml', 'c.yml', 'd.yaml']);
    expect(byFile['c.yml']?.message).toContain('colour');
    expect(byFile['d.yaml']).toMatchObject({
      path: 'name',
      message: expect.stringContaining('a.yaml'),
    });
  });

  it('refuses a manifest with two or none of agent, steps and gateway', async () => {
    const dir = await dirWith({
      'neither.yaml': 'name: neither\n',
      'both.yaml': `${valid('both')}agent: { instructions: go }\n`,
      'steps-and-gateway.yaml': `${valid('mixed')}gateway: { risk: { default: deny } }\n`,
    });
    const catalog = await loadWorkflows(dir);
    expect(catalog.workflows.size).toBe(0);
    expect(catalog.problems.map((p) => p.message)).toEqual([
      'needs exactly one of `agent`, `steps` or `gateway`',
      'needs exactly one of `agent`, `steps` or `gateway`',
      'needs exactly one of `agent`, `steps` or `gateway`',
    ]);
  });

  it('refuses an invalid input pattern and a step naming an undefined tool', async () => {
    const dir = await dirWith({
      'bad.yaml': `
name: bad
inputs: { service: { type: string, pattern: "([a-z" } }
steps: [{ tool: t }, { tool: restart }]
tools: [{ name: t, risk: low, command: { argv: [echo] } }]
`,
    });
    const catalog = await loadWorkflows(dir);
    expect(catalog.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'inputs.service.pattern: is not a usable pattern: missing closing ]: `[a-z` (patterns use RE2 syntax: no lookarounds or backreferences)',
      'steps.1.tool: names no tool of this workflow (tools: t)',
    ]);
    const fixed = await loadWorkflows(
      await dirWith({
        'bad.yaml': valid('bad').replace(
          'steps: [{ tool: t }]',
          'steps: [{ tool: t }, { tool: restart }]',
        ),
      }),
    );
    expect(fixed.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'steps.1.tool: names no tool of this workflow (tools: t)',
    ]);
  });

  it('gives each version of a manifest its own hash', async () => {
    const first = await loadWorkflows(await dirWith({ 'a.yaml': valid('alpha') }));
    const second = await loadWorkflows(
      await dirWith({ 'a.yaml': `${valid('alpha')}description: new\n` }),
    );
    expect(first.workflows.get('alpha')?.hash).not.toBe(second.workflows.get('alpha')?.hash);
  });

  it("ignores editors' dot files and reports an entry it cannot read", async () => {
    const dir = await dirWith({ 'a.yaml': valid('alpha'), '.a.yaml': 'name: [half-saved' });
    // Emacs locks a file being edited with a dangling symlink named like it.
    await symlink('user@host.1234', path.join(dir, '.#a.yaml'));
    await mkdir(path.join(dir, 'folder.yaml'));
    const catalog = await loadWorkflows(dir);
    expect([...catalog.workflows.keys()]).toEqual(['alpha']);
    expect(catalog.problems).toEqual([
      {
        file: path.join(dir, 'folder.yaml'),
        line: 1,
        col: 1,
        path: '',
        message: expect.stringContaining('cannot be read'),
      },
    ]);
  });
});
