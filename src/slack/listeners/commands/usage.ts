export const USAGE = [
  '*Countersign* runs approved workflows from Slack.',
  '• `/countersign run <workflow> [name=value …]` start a workflow; quote values with spaces: `note="two words"`',
  '• `/countersign run <workflow> … --dry-run` walk it without running anything above low risk, and see who would have to approve',
  '• `/countersign list` the workflows you can run here',
  '• `/countersign help` this message',
].join('\n');
