import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { auditKey } from '../../src/audit/audit-chain';
import { verifyAuditLog } from '../../src/cli/audit';
import { MongoAuditReader } from '../../src/store/mongo-audit-reader';
import { type Harness, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { finalRun, runIdIn } from '../support/run-records';
import { TEST_AUDIT_HMAC_KEY } from '../support/test-env';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('every state change of a run is in the audit log', () => {
  let h: Harness;
  let runs: Collection;
  let audit: Collection;

  beforeAll(async () => {
    h = await startHarness('run_events', {
      workflowsDir: path.join(__dirname, '../fixtures/dry-run'),
    });
    runs = h.db.collection('runs');
    audit = h.db.collection('audit_events');
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => h.slack.reset());

  /** The run's events once its last one is in, oldest first. */
  const eventsOf = (runId: string) =>
    eventually('the run.finished event', async () => {
      const events = await audit.find({ runId }).sort({ seq: 1 }).toArray();
      return events.some((event) => event.type === 'run.finished') ? events : undefined;
    });

  const startRun = async (text: string) => {
    await h.slash({ text, user_id: 'U0DEV', channel_id: 'C0OPS' });
    const started = await h.slack.waitForCall('chat.postMessage', (call) => !call.args.thread_ts);
    return runIdIn(started.args.blocks) as string;
  };

  it('records who asked, with which inputs and manifest, each call and its outcome, and the end', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-audit-'));
    const runId = await startRun(`run deploy dir=${dir} --dry-run`);
    const run = await finalRun(runs, runId, { announced: true });
    const events = await eventsOf(runId);
    expect(events.map((event) => event.type)).toEqual([
      'run.requested',
      'run.started',
      'tool_call.allowed',
      'tool_call.executed',
      'tool_call.simulated',
      'tool_call.simulated',
      'run.finished',
    ]);
    const [requested, , allowed, executed, simulated, , finished] = events;
    expect(requested).toMatchObject({
      actor: 'U0DEV',
      workflow: 'deploy',
      channel: 'C0OPS',
      details: { manifestHash: run.manifestHash, inputs: JSON.stringify({ dir }), dryRun: true },
    });
    expect(allowed).toMatchObject({
      actor: 'countersign',
      details: { step: 0, tool: 'check', args: JSON.stringify({ dir }), risk: 'low' },
    });
    expect(executed?.details).toMatchObject({
      outcome: 'succeeded',
      outputSha256: sha256('checked'),
    });
    expect(simulated?.details).toMatchObject({
      step: 1,
      tool: 'deploy',
      reason: expect.stringContaining('would wait for 1 approval from U0LEAD'),
    });
    expect(finished?.details).toMatchObject({
      status: 'succeeded',
      resultSha256: sha256(run.result),
    });
    // The output itself stays with the run (retention may prune it); the log keeps its hash.
    expect(JSON.stringify(events)).not.toContain('"checked"');
  });

  it('leaves a chain that verifies after the runs', async () => {
    const reader = await MongoAuditReader.open(h.mongoUri);
    let output = '';
    try {
      const code = await verifyAuditLog(
        reader,
        { keys: [auditKey(TEST_AUDIT_HMAC_KEY)] },
        (text) => {
          output += text;
        },
      );
      expect({ code, output }).toEqual({
        code: 0,
        output: expect.stringMatching(/^\d+ events verified, head seq \d+ hash [0-9a-f]{64}\n$/),
      });
    } finally {
      await reader.close();
    }
  });

  it('records a failed run with its error', async () => {
    const runId = await startRun('run deploy dir=/nonexistent/place');
    const events = await eventsOf(runId);
    const executed = events.find((event) => event.type === 'tool_call.executed');
    expect(executed?.details.outcome).toBe('failed');
    const finished = events.find((event) => event.type === 'run.finished');
    expect(finished?.details).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('step 1 (check) failed'),
    });
  });
});
