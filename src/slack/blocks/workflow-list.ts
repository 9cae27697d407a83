import type { types } from '@slack/bolt';
import { usageLine } from '../../workflows/bind-inputs';
import { formatProblem, type ManifestProblem } from '../../workflows/load-workflows';
import type { InputSpec, WorkflowManifest } from '../../workflows/manifest-schema';
import { codeBlock, escapeMrkdwn, fitText, inlineCode } from './mrkdwn';
import type { SlackMessage } from './run-messages';
import { note, packSections, SECTION_TEXT, section } from './sections';

export interface WorkflowListing {
  /** The workflows the user may run here. */
  workflows: readonly WorkflowManifest[];
  /** Workflows whose access could not be checked (user groups did not answer); not named. */
  unresolved: number;
  /** Manifests that failed to load; given only when an admin asks. */
  brokenManifests?: readonly ManifestProblem[];
}

/** Slack's limit of blocks in one message is 50; each list gets a share. */
const WORKFLOW_SECTIONS = 30;
const BROKEN_SECTIONS = 12;

function describeInput(name: string, spec: InputSpec): string {
  const type =
    spec.type === 'enum' ? `one of ${spec.values.map(escapeMrkdwn).join(', ')}` : spec.type;
  const need =
    spec.default !== undefined
      ? `default ${inlineCode(String(spec.default))}`
      : spec.required
        ? 'required'
        : 'optional';
  const about = spec.description?.trim() ? ` — ${escapeMrkdwn(spec.description.trim())}` : '';
  return `• ${inlineCode(name)} ${type}, ${need}${about}`;
}

/** One workflow: name, description, usage line, then one line per input. */
function describeWorkflow(manifest: WorkflowManifest): string {
  const about = manifest.description.trim()
    ? ` — ${escapeMrkdwn(manifest.description.trim())}`
    : '';
  if (manifest.gateway !== undefined) {
    return fitText(
      [
        `*${manifest.name}* (gateway: for Claude Code, not run)${about}`,
        `Get a token: ${inlineCode(`/countersign token ${manifest.name}`)}`,
      ].join('\n'),
      SECTION_TEXT,
    );
  }
  const inputs = Object.entries(manifest.inputs).map(([name, spec]) => describeInput(name, spec));
  return fitText(
    [`*${manifest.name}*${about}`, inlineCode(usageLine(manifest)), ...inputs].join('\n'),
    SECTION_TEXT,
  );
}

function brokenManifestBlocks(problems: readonly ManifestProblem[]): types.KnownBlock[] {
  const byFile = new Map<string, ManifestProblem[]>();
  for (const problem of problems) {
    byFile.set(problem.file, [...(byFile.get(problem.file) ?? []), problem]);
  }
  const files = [...byFile.values()].map((list) =>
    codeBlock(list.map(formatProblem).join('\n'), SECTION_TEXT),
  );
  return [
    { type: 'divider' },
    section(
      byFile.size === 1
        ? '*Broken manifests* (only admins see this): 1 file was skipped; its workflow cannot run until it is fixed.'
        : `*Broken manifests* (only admins see this): ${byFile.size} files were skipped; their workflows cannot run until they are fixed.`,
    ),
    ...packSections(files, BROKEN_SECTIONS, ['file', 'files']),
  ];
}

/** The answer to `/countersign list`, in Block Kit, within Slack's limits. */
export function workflowListMessage(listing: WorkflowListing): SlackMessage {
  const workflows = [...listing.workflows].sort((a, b) => a.name.localeCompare(b.name));
  const names = workflows.map((manifest) => manifest.name);
  const intro = names.length
    ? `Workflows you can run here (${names.length}):`
    : 'There are no workflows you can run here.';
  const blocks: types.KnownBlock[] = [
    section(intro),
    ...packSections(workflows.map(describeWorkflow), WORKFLOW_SECTIONS, ['workflow', 'workflows']),
  ];
  if (listing.unresolved > 0) {
    blocks.push(
      note(
        `${listing.unresolved === 1 ? 'One workflow' : `${listing.unresolved} workflows`} could not be checked right now (Slack did not say which user groups you are in); try again in a moment.`,
      ),
    );
  }
  const broken = listing.brokenManifests ?? [];
  if (broken.length > 0) blocks.push(...brokenManifestBlocks(broken));
  const text = names.length ? `${intro} ${names.join(', ')}` : intro;
  return { text: fitText(text, SECTION_TEXT), blocks };
}
