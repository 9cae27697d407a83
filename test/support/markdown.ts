// Reading the project's Markdown as GitHub renders it: code blocks, headings and their anchors, links.

export interface CodeBlock {
  /** The word after the opening fence (`sh`, `yaml`…), or '' for a bare fence. */
  info: string;
  lines: string[];
}

const FENCE = /^(\s*)(```|~~~)\s*([\w-]*)/;

/** Splits a document into its fenced code blocks and the prose lines outside them. */
export function splitCode(markdown: string): { blocks: CodeBlock[]; prose: string[] } {
  const blocks: CodeBlock[] = [];
  const prose: string[] = [];
  let open: { block: CodeBlock; indent: number; fence: string } | undefined;
  for (const line of markdown.split('\n')) {
    const fence = FENCE.exec(line);
    if (open === undefined && fence) {
      const block = { info: fence[3] ?? '', lines: [] };
      open = { block, indent: fence[1]?.length ?? 0, fence: fence[2] ?? '```' };
      blocks.push(block);
    } else if (open && line.trim().startsWith(open.fence)) {
      open = undefined;
    } else if (open) {
      open.block.lines.push(line.slice(open.indent));
    } else {
      prose.push(line);
    }
  }
  return { blocks, prose };
}

/** The anchor GitHub gives a heading's text (github-slugger's rule, without its repeat counter). */
export function githubSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor of a document's headings; a repeated heading gets `-1`, `-2`… as on GitHub. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of splitCode(markdown).prose) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const repeats = seen.get(slug) ?? 0;
    seen.set(slug, repeats + 1);
    anchors.add(repeats === 0 ? slug : `${slug}-${repeats}`);
  }
  return anchors;
}

/** The target of every inline link in the prose (`[text](target)`), code spans left out. */
export function linkTargets(markdown: string): string[] {
  const text = splitCode(markdown)
    .prose.join('\n')
    .replace(/`[^`\n]*`/g, '``');
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1] ?? '');
}

/** The text of every code span in the prose (`like this`). */
export function codeSpans(markdown: string): string[] {
  const text = splitCode(markdown).prose.join('\n');
  return [...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1] ?? '');
}

/**
 * The commands of a document's shell blocks (`sh`, `bash`, `shell`), one per line: comments
 * dropped, `\` continuations joined, `a && b` split in two.
 */
export function shellCommands(markdown: string): string[] {
  return splitCode(markdown)
    .blocks.filter((block) => ['sh', 'bash', 'shell'].includes(block.info))
    .flatMap((block) =>
      block.lines
        .join('\n')
        .replace(/\\\n\s*/g, ' ')
        .split('\n'),
    )
    .map((line) => line.replace(/(^|\s)#\s.*$/, '').trim())
    .filter(Boolean)
    .flatMap((line) => line.split(/\s*&&\s*/))
    .map((command) => command.replace(/\s+/g, ' '));
}
