/** `<` and `>` are escaped: Slack would read `<workflow>` as a link. */
export const RUN_USAGE = '/countersign run &lt;workflow&gt; [name=value …] [--dry-run]';
export const STATUS_USAGE = '/countersign status &lt;run&gt;';
export const RUNS_USAGE = '/countersign runs [all]';
export const CANCEL_USAGE = '/countersign cancel &lt;run&gt;';
export const TOKEN_USAGE = '/countersign token &lt;workflow&gt;';

export const USAGE = [
  '*Countersign* runs approved workflows from Slack.',
  '• `/countersign run &lt;workflow&gt; [name=value …]` start a workflow; quote values with spaces: `note="two words"`',
  '• `/countersign run &lt;workflow&gt; … --dry-run` walk it without running anything above low risk, and see who would have to approve',
  '• `/countersign list` the workflows you can run here',
  '• `/countersign runs` your recent runs (admins: `/countersign runs all` for everyone’s)',
  '• `/countersign status &lt;run&gt;` the timeline of one of your runs: steps, outputs, outcome',
  '• `/countersign status` your agents’ calls waiting for a decision, and the grants you may revoke',
  '• `/countersign cancel &lt;run&gt;` stop one of your runs (admins: anyone’s); the approvals it waits for are closed',
  '• `/countersign token &lt;workflow&gt;` a personal token for your Claude Code, and the settings to paste (gateway workflows)',
  '• `/countersign help` this message',
].join('\n');
