import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { manifestSchema, type WorkflowManifest } from './manifest-schema';

export interface LoadedWorkflow {
  manifest: WorkflowManifest;
  /** sha256 of the file's bytes: which version of the manifest a run started under. */
  hash: string;
  file: string;
}

export interface ManifestProblem {
  file: string;
  /** Dotted path of the offending field, '' for the whole file. */
  path: string;
  message: string;
}

export interface WorkflowCatalog {
  workflows: ReadonlyMap<string, LoadedWorkflow>;
  problems: readonly ManifestProblem[];
}

/** Parses one manifest's source; returns the workflow or every problem found in it. */
export function parseManifest(
  file: string,
  source: string,
): { workflow: LoadedWorkflow } | { problems: ManifestProblem[] } {
  const document = parseDocument(source, { prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => ({ file, path: '', message: error.message })),
    };
  }
  const parsed = manifestSchema.safeParse(document.toJS());
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => ({
        file,
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    };
  }
  const hash = createHash('sha256').update(source).digest('hex');
  return { workflow: { manifest: parsed.data, hash, file } };
}

/**
 * Loads every `*.yaml`/`*.yml` file of a directory. One broken file never hides the valid ones:
 * it is reported in `problems` and skipped.
 */
export async function loadWorkflows(dir: string): Promise<WorkflowCatalog> {
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const workflows = new Map<string, LoadedWorkflow>();
  const problems: ManifestProblem[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const result = parseManifest(file, await readFile(file, 'utf8'));
    if ('problems' in result) {
      problems.push(...result.problems);
      continue;
    }
    const existing = workflows.get(result.workflow.manifest.name);
    if (existing) {
      problems.push({ file, path: 'name', message: `duplicates the workflow in ${existing.file}` });
      continue;
    }
    workflows.set(result.workflow.manifest.name, result.workflow);
  }
  return { workflows, problems };
}

export function formatProblem(problem: ManifestProblem): string {
  return `${problem.file}${problem.path ? `  ${problem.path}` : ''}  ${problem.message}`;
}
