import { mkdtemp, realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ManifestToolRunner } from '../../src/tools/manifest-tool-runner';
import { parseManifest } from '../../src/workflows/load-workflows';

function runContext(source: string) {
  const parsed = parseManifest('m.yaml', source);
  if (!('workflow' in parsed)) throw new Error(JSON.stringify(parsed.problems));
  return {
    workflow: parsed.workflow.manifest.name,
    manifest: parsed.workflow.manifest,
    inputs: {},
  };
}

const manifestIn = (dir: string) => `name: demo
secrets: [TOKEN]
steps: [{ tool: where }]
tools:
  - name: where
    risk: low
    input_schema: { type: object, properties: { sub: { type: string } } }
    command: { argv: [pwd], cwd: "${dir}" }
  - name: greet
    risk: low
    input_schema: { type: object, properties: { name: { type: string } } }
    command: { argv: [echo, "hi {{args.name}}"] }
  - name: secret
    risk: low
    command: { argv: [echo, ok], env: { TOKEN: "{{secrets.TOKEN}}" } }
`;

describe('running a manifest command tool', () => {
  const tools = new ManifestToolRunner();

  const manifest = manifestIn(os.tmpdir());

  it('runs in the working directory the manifest names', async () => {
    const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'countersign-cwd-')));
    expect(await tools.run(runContext(manifestIn(dir)), 'where', {})).toEqual({
      ok: true,
      output: dir,
    });
  });

  it('fails clearly, without throwing, when an optional argument it uses was left out', async () => {
    expect(await tools.run(runContext(manifest), 'greet', {})).toEqual({
      ok: false,
      output: 'tool "greet" could not be called: {{args.name}}: no args named "name"',
    });
  });

  it('fails clearly, without running, when the tool needs secrets this version cannot resolve', async () => {
    expect(await tools.run(runContext(manifest), 'secret', {})).toEqual({
      ok: false,
      output:
        'tool "secret" needs secrets, which this version cannot resolve yet (the secret broker comes with agent runs)',
    });
  });
});
