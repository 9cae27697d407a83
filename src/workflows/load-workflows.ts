import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import {
  fieldProblems,
  formatFieldPath,
  locate,
  manifestErrorMap,
  type SourcePosition,
} from './manifest-problems';
import { manifestSchema, type WorkflowManifest } from './manifest-schema';

export interface LoadedWorkflow {
  manifest: WorkflowManifest;
  /** sha256 of the file's bytes: which version of the manifest a run started under. */
  hash: string;
  file: string;
  /** Where `name:` is in the file, to point at a duplicate name. */
  namePosition: SourcePosition;
}

export interface ManifestProblem {
  file: string;
  /** 1-based position in the YAML source. */
  line: number;
  col: number;
  /** Dotted path of the offending field (`tools.1.http.url`), '' for the whole file. */
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
  const lines = new LineCounter();
  const document = parseDocument(source, { prettyErrors: false, lineCounter: lines });
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => ({
        file,
        ...lines.linePos(error.pos[0]),
        path: '',
        message: `YAML: ${error.message}`,
      })),
    };
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // e.g. an alias that expands too much ("billion laughs")
    return {
      problems: [{ file, line: 1, col: 1, path: '', message: `YAML: ${(error as Error).message}` }],
    };
  }
  if (data === null || data === undefined) {
    return {
      problems: [
        {
          file,
          line: 1,
          col: 1,
          path: '',
          message:
            'is empty: a manifest is a YAML mapping with at least name, tools and agent or steps',
        },
      ],
    };
  }
  const parsed = manifestSchema.safeParse(data, { error: manifestErrorMap });
  if (!parsed.success) {
    return {
      problems: fieldProblems(parsed.error.issues, data)
        .map((problem) => ({
          file,
          ...locate(document, lines, problem),
          path: formatFieldPath(problem.path),
          message: problem.message,
        }))
        .sort((a, b) => a.line - b.line || a.col - b.col),
    };
  }
  const hash = createHash('sha256').update(source).digest('hex');
  const namePosition = locate(document, lines, { path: ['name'], message: '' });
  return { workflow: { manifest: parsed.data, hash, file, namePosition } };
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
      problems.push({
        file,
        ...result.workflow.namePosition,
        path: 'name',
        message: `"${result.workflow.manifest.name}" is already the name of the workflow in ${existing.file}`,
      });
      continue;
    }
    workflows.set(result.workflow.manifest.name, result.workflow);
  }
  return { workflows, problems };
}

export function formatProblem(problem: ManifestProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.col}`;
  return `${where}  ${problem.path ? `${problem.path}  ` : ''}${problem.message}`;
}
