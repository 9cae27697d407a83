import type { RunRecord, StepRecord } from '../../../src/runs/run';
import { formatDuration, runTimelineMessage } from '../../../src/slack/blocks/run-timeline';
import { manifestSchema } from '../../../src/workflows/manifest';
import { BLOCK_KIT_LIMITS, validateMessageBlocks } from '../../support/block-kit-limits';

const at = (seconds: number) => new Date(Date.UTC(2026, 2, 3, 10, 0, seconds));

function runbook(steps: number) {
  return manifestSchema.parse({
    name: 'many',
    steps: Array.from({ length: steps }, () => ({ tool: 'say' })),
    tools: [{ name: 'say', risk: 'low', command: { argv: ['echo', 'x'] } }],
  });
}

function run(fields: Partial<RunRecord> & Pick<RunRecord, 'steps'>): RunRecord {
  return {
    id: 'r-7kq2m9xd',
    requestKey: 'trigger',
    workflow: 'many',
    manifestHash: 'f'.repeat(64),
    manifest: runbook(Math.max(1, fields.steps.length)),
    inputs: {},
    requester: { userId: 'U0ADA', teamId: 'T0TEST', channelId: 'C0GENERAL' },
    status: 'succeeded',
    history: [
      { status: 'queued', at: at(0) },
      { status: 'running', at: at(1) },
      { status: 'succeeded', at: at(50) },
    ],
    createdAt: at(0),
    updatedAt: at(50),
    ...fields,
  };
}

const step = (index: number, fields: Partial<StepRecord> = {}): StepRecord => ({
  index,
  tool: 'say',
  args: '{}',
  status: 'succeeded',
  output: 'ok',
  startedAt: at(index),
  finishedAt: at(index + 1),
  ...fields,
});

describe('the /countersign status timeline', () => {
  it('fits a run of many steps with huge outputs, arguments and inputs into one message Slack accepts, saying what it left out', () => {
    const huge = '<!channel> & ``` 🚀'.repeat(1000);
    const message = runTimelineMessage(
      run({
        inputs: { note: huge, other: 'x'.repeat(5000) },
        steps: Array.from({ length: 200 }, (_, i) =>
          step(i, {
            args: JSON.stringify({ text: huge }),
            ...(i % 3 === 0 ? { status: 'failed', error: huge } : { output: huge }),
          }),
        ),
        result: huge,
      }),
    );
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageBlocks);
    const shown = JSON.stringify(message.blocks);
    expect(shown).toMatch(/…and \d+ more steps not shown\./);
    expect(shown).not.toContain('<!channel>');
    expect(shown).toContain('*Outcome*: :white_check_mark: succeeded');
    expect(shown.length).toBeLessThan(40_000);
  });

  it('shows a run in progress: the step executing, and that it has not finished', () => {
    const message = runTimelineMessage(
      run({
        status: 'running',
        history: [
          { status: 'queued', at: at(0) },
          { status: 'running', at: at(1) },
        ],
        steps: [
          step(0),
          step(1, { status: 'executing', finishedAt: undefined, output: undefined }),
        ],
        manifest: runbook(3),
      }),
    );
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain('*Steps* (2 of 3)');
    expect(shown).toContain('*2/3* `say` :hourglass_flowing_sand: executing');
    expect(shown).toContain('*Not finished yet*: :arrow_forward: running');
    expect(shown).not.toContain('*Outcome*');
  });

  it('leaves out the thread link when the run has no thread, or one that does not look like Slack’s', () => {
    expect(JSON.stringify(runTimelineMessage(run({ steps: [] })).blocks)).not.toContain(
      'slack.com/archives',
    );
    const odd = runTimelineMessage(run({ steps: [], thread: { channel: 'C0X|evil', ts: '1.2' } }));
    expect(JSON.stringify(odd.blocks)).not.toContain('slack.com/archives');
  });

  it('says when retention removed the outputs and the result, keeping what is left', () => {
    const message = runTimelineMessage(
      run({
        detailsPrunedAt: at(59),
        status: 'failed',
        steps: [
          step(0, { output: undefined }),
          step(1, { status: 'failed', output: undefined, error: 'exit code 3' }),
        ],
        error: 'step 2 (say) failed: exit code 3',
        manifest: runbook(2),
      }),
    );
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain(
      'Step outputs and the result were removed <!date^1772532059^{date_short_pretty} {time}|2026-03-03 10:00 UTC> (retention)',
    );
    expect(shown).toMatch(/\*1\/2\* `say` :white_check_mark: succeeded[^*]*_\(output removed\)_/);
    expect(shown).toContain('exit code 3');
    expect(shown).toContain('step 2 (say) failed: exit code 3');

    const succeeded = runTimelineMessage(run({ detailsPrunedAt: at(59), steps: [step(0)] }));
    expect(JSON.stringify(succeeded.blocks)).toContain('_(result removed)_');
  });

  it('says durations the way people do', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 5 s');
  });
});
