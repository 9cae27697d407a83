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

export type ParsedManifest = ReturnType<typeof parseManifest>;

/** One manifest file as read now, for {@link assembleCatalog}. */
export interface ManifestFile {
  file: string;
  parsed: ParsedManifest;
  /** The version this file served until now; it keeps serving while the new text is refused. */
  lastGood?: LoadedWorkflow;
}

/**
 * Builds a catalog from manifest files, taken in the given order. A workflow name belongs to the
 * file that served it in `previous` (if that file still claims it), else to the first file that
 * claims it; any other claim is a problem. A refused file keeps serving its `lastGood` version.
 */
export function assembleCatalog(
  files: readonly ManifestFile[],
  previous?: WorkflowCatalog,
): WorkflowCatalog {
  const claimed = (entry: ManifestFile) =>
    'workflow' in entry.parsed ? entry.parsed.workflow : entry.lastGood;
  const incumbents = new Map<string, string>();
  for (const entry of files) {
    const name = claimed(entry)?.manifest.name;
    if (name !== undefined && previous?.workflows.get(name)?.file === entry.file) {
      incumbents.set(name, entry.file);
    }
  }
  const workflows = new Map<string, LoadedWorkflow>();
  const problems: ManifestProblem[] = [];
  const ownerOtherThan = (file: string, name: string) => {
    const owner = incumbents.get(name) ?? workflows.get(name)?.file;
    return owner === file ? undefined : owner;
  };
  for (const entry of files) {
    const { file, parsed, lastGood } = entry;
    if ('workflow' in parsed) {
      const owner = ownerOtherThan(file, parsed.workflow.manifest.name);
      if (owner === undefined) {
        workflows.set(parsed.workflow.manifest.name, parsed.workflow);
        continue;
      }
      problems.push({ file, path: 'name', message: `duplicates the workflow in ${owner}` });
    } else {
      problems.push(...parsed.problems);
    }
    if (lastGood && ownerOtherThan(file, lastGood.manifest.name) === undefined) {
      workflows.set(lastGood.manifest.name, lastGood);
    }
  }
  return { workflows, problems };
}

/** Whether a directory entry is a manifest; dot files are editors' locks and temporary copies. */
export function isManifestFileName(name: string): boolean {
  return /\.ya?ml$/.test(name) && !name.startsWith('.');
}

/** A manifest file of a directory as read now: its text, or why it could not be read. */
export interface ReadManifest {
  file: string;
  /** undefined when the file could not be read (its problem is in `parsed`). */
  source: string | undefined;
  parsed: ParsedManifest;
}

/** Reads and parses every manifest of a directory, in file name order. */
export async function readManifestFiles(dir: string): Promise<ReadManifest[]> {
  const names = (await readdir(dir)).filter(isManifestFileName).sort();
  const read: ReadManifest[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (error) {
      // Deleted since it was listed: it is gone, not broken.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      const message = `cannot be read: ${(error as Error).message}`;
      read.push({ file, source: undefined, parsed: { problems: [{ file, path: '', message }] } });
      continue;
    }
    read.push({ file, source, parsed: parseManifest(file, source) });
  }
  return read;
}

/**
 * Loads every `*.yaml`/`*.yml` file of a directory. One broken file never hides the valid ones:
 * it is reported in `problems` and skipped.
 */
export async function loadWorkflows(dir: string): Promise<WorkflowCatalog> {
  return assembleCatalog(await readManifestFiles(dir));
}

export function formatProblem(problem: ManifestProblem): string {
  return `${problem.file}${problem.path ? `  ${problem.path}` : ''}  ${problem.message}`;
}
