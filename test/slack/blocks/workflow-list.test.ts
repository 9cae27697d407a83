import { workflowListMessage } from '../../../src/slack/blocks/workflow-list';
import type { ManifestProblem } from '../../../src/workflows/load-workflows';
import { manifestSchema } from '../../../src/workflows/manifest';
import { BLOCK_KIT_LIMITS, validateMessageBlocks } from '../../support/block-kit-limits';

function manifest(name: string, description: string) {
  return manifestSchema.parse({
    name,
    description,
    inputs: {
      service: { type: 'string', required: true, description: 'Which <service> & why' },
      env: { type: 'enum', values: ['staging', 'production'], default: 'staging' },
    },
    steps: [{ tool: 't' }],
    tools: [{ name: 't', risk: 'low', command: { argv: ['echo', 'hi'] } }],
  });
}

const sectionTexts = (blocks: unknown[]) =>
  blocks.flatMap((block) => {
    const text = (block as { text?: { text?: string } }).text?.text;
    return text === undefined ? [] : [text];
  });

describe('the /countersign list message', () => {
  it('fits a long catalog and many broken manifests into one message Slack accepts, saying what it left out', () => {
    const workflows = Array.from({ length: 300 }, (_, i) =>
      manifest(`wf-${String(i).padStart(3, '0')}`, 'd'.repeat(i % 7 === 0 ? 5000 : 300)),
    );
    const brokenManifests: ManifestProblem[] = Array.from({ length: 120 }, (_, i) => ({
      file: `/srv/workflows/broken-${Math.floor(i / 3)}.yaml`,
      line: i + 1,
      col: 3,
      path: `tools.${i}`,
      message: 'x'.repeat(400),
    }));
    const message = workflowListMessage({ workflows, unresolved: 2, brokenManifests });

    expect(validateMessageBlocks(message.blocks)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageBlocks);
    expect(message.text.length).toBeLessThanOrEqual(3000);
    const shown = JSON.stringify(message.blocks);
    expect(shown).toMatch(/…and \d+ more workflows not shown\./);
    expect(shown).toMatch(/…and \d+ more files not shown\./);
    expect(shown).toContain('2 workflows could not be checked right now');
    expect(shown).toContain('40 files were skipped');
  });

  it('escapes what a manifest says, so a description cannot ping or link', () => {
    const message = workflowListMessage({
      workflows: [manifest('deploy', 'Ship it <!channel> <https://evil.example|here>')],
      unresolved: 0,
    });
    const [, workflow] = sectionTexts(message.blocks);
    expect(workflow).toContain('&lt;!channel&gt;');
    expect(workflow).toContain('— Which &lt;service&gt; &amp; why');
    expect(workflow).not.toContain('<!channel>');
  });

  it('says when there is nothing to run', () => {
    const message = workflowListMessage({ workflows: [], unresolved: 0 });
    expect(message.text).toBe('There are no workflows you can run here.');
    expect(message.blocks).toHaveLength(1);
  });
});
