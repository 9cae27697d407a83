import { readFile, stat } from 'node:fs/promises';
import {
  formatProblem,
  loadWorkflows,
  type ManifestProblem,
  parseManifest,
} from './load-workflows';

export interface ValidationReport {
  ok: boolean;
  /** One `file:line:col  field  problem` line per problem, then a summary line. */
  text: string;
}

/** `countersign validate`: checks manifest files and directories of them, as the service would load them. */
export async function validateManifests(paths: readonly string[]): Promise<ValidationReport> {
  const problems: ManifestProblem[] = [];
  let valid = 0;
  for (const target of paths) {
    const kind = await stat(target).then(
      (info) => (info.isDirectory() ? 'dir' : 'file'),
      () => 'missing',
    );
    if (kind === 'missing') {
      problems.push({
        file: target,
        line: 1,
        col: 1,
        path: '',
        message: 'no such file or directory',
      });
    } else if (kind === 'dir') {
      const catalog = await loadWorkflows(target);
      valid += catalog.workflows.size;
      problems.push(...catalog.problems);
    } else {
      const result = parseManifest(target, await readFile(target, 'utf8'));
      if ('problems' in result) problems.push(...result.problems);
      else valid++;
    }
  }
  const invalid = new Set(problems.map((problem) => problem.file)).size;
  const lines = problems.map(formatProblem);
  const checked = valid + invalid;
  lines.push(
    problems.length === 0
      ? `${checked} manifest(s) checked: all valid`
      : `${checked} manifest(s) checked: ${valid} valid, ${invalid} invalid, ${problems.length} problem(s)`,
  );
  return { ok: problems.length === 0, text: `${lines.join('\n')}\n` };
}
