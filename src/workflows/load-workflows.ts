import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { manifestSchema } from './manifest';
import {
  type FieldPath,
  type FieldProblem,
  fieldProblems,
  formatFieldPath,
  locate,
  manifestErrorMap,
  overlaps,
  type SourcePosition,
  withoutFields,
} from './manifest-problems';
import type { WorkflowManifest } from './manifest-schema';
import { TOOL_NAME_KEYS } from './tool-kinds';

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

/** sha256 of a manifest file's text: which version of it a run started under. */
export function manifestHash(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

/** Manifests are a few KB; a bigger file is a mistake, and parsing it would hold up reloads. */
const MAX_MANIFEST_CHARS = 512 * 1024;
/** Past this many, more problems of one file only drown the first ones (and the logs). */
const MAX_PROBLEMS_PER_FILE = 50;

/** A problem with the file as a whole, reported at its start. */
const wholeFile = (file: string, message: string): ManifestProblem => ({
  file,
  line: 1,
  col: 1,
  path: '',
  message,
});

/** The schema's refusals, each at its place in the file, the first MAX_PROBLEMS_PER_FILE of them. */
function schemaProblems(
  file: string,
  document: Document,
  lines: LineCounter,
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
): ManifestProblem[] {
  const refused = fieldProblems(issues, data);
  const problems = [...refused, ...crossCheckProblems(data, refused)]
    .map((problem) => ({
      file,
      ...locate(document, lines, problem),
      path: formatFieldPath(problem.path),
      message: problem.message,
    }))
    .sort((a, b) => a.line - b.line || a.col - b.col);
  if (problems.length <= MAX_PROBLEMS_PER_FILE) return problems;
  const more = problems.length - MAX_PROBLEMS_PER_FILE;
  return [
    ...problems.slice(0, MAX_PROBLEMS_PER_FILE),
    wholeFile(file, `…and ${more} more problem(s) not shown`),
  ];
}

/** The YAML's data, or the problems that stop it being read. */
function readYaml(file: string, document: Document, lines: LineCounter) {
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
    return { problems: [wholeFile(file, `YAML: ${(error as Error).message}`)] };
  }
  if (data === null || data === undefined) {
    const message =
      'is empty: a manifest is a YAML mapping with at least name, tools and agent or steps';
    return { problems: [wholeFile(file, message)] };
  }
  return { data };
}

/** Parses one manifest's source; returns the workflow or every problem found in it. */
export function parseManifest(
  file: string,
  source: string,
): { workflow: LoadedWorkflow } | { problems: ManifestProblem[] } {
  if (source.length > MAX_MANIFEST_CHARS) {
    const size = `${Math.round(source.length / 1024)} KB`;
    return {
      problems: [
        wholeFile(file, `is ${size}; a manifest may be at most ${MAX_MANIFEST_CHARS / 1024} KB`),
      ],
    };
  }
  const lines = lineStarts(source);
  // Merge keys (`<<: *defaults`) let tools share settings through anchors.
  const document = parseDocument(source, { prettyErrors: false, merge: true });
  const read = readYaml(file, document, lines);
  if (read.problems) return { problems: read.problems };
  const parsed = manifestSchema.safeParse(read.data, { error: manifestErrorMap });
  if (!parsed.success) {
    return { problems: schemaProblems(file, document, lines, read.data, parsed.error.issues) };
  }
  const hash = manifestHash(source);
  const namePosition = locate(document, lines, { path: ['name'], message: '' });
  return { workflow: { manifest: parsed.data, hash, file, namePosition } };
}

export type ParsedManifest = ReturnType<typeof parseManifest>;

/** Fields the cross-checks judge other fields by: without them, those checks would mislead. */
const REFERENCED: readonly FieldPath[] = [
  ['inputs'],
  ['secrets'],
  ['approval'],
  ...TOOL_NAME_KEYS.map((key) => ['tools', '*', key]),
  ['tools', '*', 'input_schema'],
];

const isReferenced = (path: FieldPath) =>
  REFERENCED.some((prefix) =>
    prefix.every((segment, index) => segment === '*' || String(path[index]) === segment),
  );

/**
 * The cross-checks (check-manifest.ts) run only once every field parsed; so that one pass reports
 * every problem, they also run on a copy without the refused fields. Their problems in or around a
 * refused field are left out, and all of them when a refused field is one they judge others by,
 * or was required: those wait until it is fixed.
 */
function crossCheckProblems(data: unknown, refused: readonly FieldProblem[]): FieldProblem[] {
  const values = refused.filter((problem) => !problem.unknownKey).map((problem) => problem.path);
  if (values.some(isReferenced)) return [];
  const stripped = withoutFields(
    data,
    refused.map((problem) => problem.path),
  );
  if (stripped === undefined) return [];
  const again = manifestSchema.safeParse(stripped, { error: manifestErrorMap });
  // Still refused: something required was left out, so the cross-checks did not run.
  if (again.success || again.error.issues.some((issue) => issue.code !== 'custom')) return [];
  return fieldProblems(again.error.issues, stripped).filter(
    (problem) => !refused.some((other) => overlaps(other.path, problem.path)),
  );
}

/**
 * Where each line of `source` starts, counted from the text itself: the parser's own line counter
 * misses line breaks inside tokens it cannot place (a plain scalar running into the next line after
 * a syntax error), which put later problems on the wrong line, past its end.
 */
function lineStarts(source: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let at = source.indexOf('\n'); at !== -1; at = source.indexOf('\n', at + 1)) {
    lines.addNewLine(at + 1);
  }
  return lines;
}

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
      problems.push({
        file,
        ...parsed.workflow.namePosition,
        path: 'name',
        message: `"${parsed.workflow.manifest.name}" is already the name of the workflow in ${owner}`,
      });
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
      const problem = { file, line: 1, col: 1, path: '', message };
      read.push({ file, source: undefined, parsed: { problems: [problem] } });
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
  const where = `${problem.file}:${problem.line}:${problem.col}`;
  return `${where}  ${problem.path ? `${problem.path}  ` : ''}${problem.message}`;
}
