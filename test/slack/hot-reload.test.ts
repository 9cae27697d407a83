import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { finalRun } from '../support/run-records';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Waits for its gate file, then says which version of the manifest it is. */
const gated = (says: string) => `
name: gated
inputs:
  gate: { type: string, required: true }
steps:
  - tool: wait_then_say
    with: { gate: "{{inputs.gate}}" }
tools:
  - name: wait_then_say
    risk: low
    input_schema: { type: object, properties: { gate: { type: string } }, required: [gate] }
    command:
      argv:
        [sh, -c, 'while [ ! -e "$1" ]; do sleep 0.05; done; echo ${says}', sh, "{{args.gate}}"]
      timeout: 20s
`;

describe('editing workflows while the service runs', () => {
  let dir: string;
  let h: Harness;
  let runs: Collection;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-hot-reload-'));
  });
  afterEach(async () => {
    await h?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async () => {
    h = await startHarness('hot_reload', { workflowsDir: dir });
    runs = h.db.collection('runs');
  };
  /** Waits for the service to log that `file` now serves the version `text`. */
  const served = (kind: 'loaded' | 'changed', text: string) =>
    eventually(`the service to log the ${kind} workflow`, async () =>
      h.logs.find((line) => line.msg === `workflow ${kind}` && line.hash === sha256(text)),
    );
  const runWithGate = (gate: string) =>
    eventually(`the run waiting on ${path.basename(gate)}`, async () => {
      return (await runs.findOne({ 'inputs.gate': gate })) ?? undefined;
    });

  it('a run started before a reload finishes with the manifest it started with; a run started after uses the new one', async () => {
    const v1 = gated('first version');
    const v2 = gated('second version');
    await writeFile(path.join(dir, 'gated.yaml'), v1);
    await start();

    const earlyGate = path.join(dir, 'early.gate');
    await h.slash({ text: `run gated gate=${earlyGate}` });
    const early = await runWithGate(earlyGate);
    await eventually('the early run to be in its step', async () => {
      const run = await runs.findOne({ _id: early._id });
      return run?.steps?.s0?.status === 'executing' ? run : undefined;
    });

    await writeFile(path.join(dir, 'gated.yaml'), v2);
    await served('changed', v2);

    const lateGate = path.join(dir, 'late.gate');
    await writeFile(lateGate, '');
    await h.slash({ text: `run gated gate=${lateGate}` });
    const late = await finalRun(runs, String((await runWithGate(lateGate))._id));
    expect(late.status).toBe('succeeded');
    expect(late.steps.s0.output).toBe('second version');
    expect(late.manifestHash).toBe(sha256(v2));

    // The early run was in its step all along; it still runs the first version.
    expect((await runs.findOne({ _id: early._id }))?.status).toBe('running');
    await writeFile(earlyGate, '');
    const finished = await finalRun(runs, String(early._id));
    expect(finished.status).toBe('succeeded');
    expect(finished.steps.s0.output).toBe('first version');
    expect(finished.manifestHash).toBe(sha256(v1));
    expect(JSON.stringify(JSON.parse(finished.manifestJson).tools)).toContain('first version');
  });

  it('keeps running the last good version of a manifest saved broken, and offers a new one without a restart', async () => {
    const v1 = gated('first version');
    await writeFile(path.join(dir, 'gated.yaml'), v1);
    await start();

    await writeFile(path.join(dir, 'gated.yaml'), `${v1}colour: blue\n`);
    const refused = await eventually('the refusal to be logged', async () =>
      h.logs.find(
        (line) => line.msg === 'invalid manifest refused; its previous version keeps serving',
      ),
    );
    expect(refused).toMatchObject({ workflow: 'gated', servingHash: sha256(v1) });
    expect(JSON.stringify(refused.problems)).toContain('colour');

    const gate = path.join(dir, 'open.gate');
    await writeFile(gate, '');
    await h.slash({ text: `run gated gate=${gate}` });
    const run = await finalRun(runs, String((await runWithGate(gate))._id));
    expect(run.steps.s0.output).toBe('first version');
    expect(run.manifestHash).toBe(sha256(v1));

    const listed = async () => JSON.stringify((await h.slash({ text: 'list' })).json);
    expect(await listed()).not.toContain('*fresh*');
    const fresh = gated('fresh').replace('name: gated', 'name: fresh');
    await writeFile(path.join(dir, 'fresh.yaml'), fresh);
    await served('loaded', fresh);
    expect(await listed()).toContain('*fresh*');

    // Each change is in the audit log too: what was loaded, refused, and what kept serving.
    const audit = h.db.collection('audit_events');
    const events = await eventually('the manifest events', async () => {
      const found = await audit
        .find({ type: /^manifest\./ })
        .sort({ at: 1 })
        .toArray();
      return found.some((event) => event.workflow === 'fresh') ? found : undefined;
    });
    expect(events.map((event) => [event.type, event.workflow])).toEqual([
      ['manifest.loaded', 'gated'],
      ['manifest.rejected', 'gated'],
      ['manifest.loaded', 'fresh'],
    ]);
    expect(events[1]).toMatchObject({
      actor: 'countersign',
      details: { servingHash: sha256(v1), file: path.join(dir, 'gated.yaml') },
    });
    expect(events[1]?.details.problems).toContain('colour  unknown key "colour"');
  });
});
