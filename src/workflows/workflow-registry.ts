import { type FSWatcher, watch } from 'node:fs';
import {
  assembleCatalog,
  type ManifestProblem,
  manifestHash,
  readManifestFiles,
  type WorkflowCatalog,
} from './load-workflows';

/** What a load of the workflows directory changed; the service logs these, the audit log records them. */
export type WorkflowChange =
  /** A workflow appeared: at start, or from a new file (or one that was refused until now). */
  | { kind: 'loaded'; workflow: string; file: string; hash: string }
  /** A new version of a workflow replaced the one serving. */
  | { kind: 'changed'; workflow: string; file: string; hash: string; previousHash: string }
  /** A workflow is gone: its file was deleted or now declares another name. */
  | { kind: 'removed'; workflow: string; file: string; hash: string }
  /**
   * A file's new text was refused. `hash` is that text's (undefined if it could not be read);
   * `workflow`/`servingHash` name the version of this file that keeps serving, if any.
   */
  | {
      kind: 'rejected';
      file: string;
      hash: string | undefined;
      problems: ManifestProblem[];
      workflow?: string;
      servingHash?: string;
    };

export interface WorkflowRegistryOptions {
  /** The folder of `*.yaml` manifests. */
  dir: string;
  /**
   * Watch `dir` and reload on every change.
   * @defaultValue true
   */
  watch?: boolean;
  /**
   * How long after the first file event the folder is read again, so one save (truncate and
   * write, or write a copy and rename it over) is one reload.
   * @defaultValue 100
   */
  debounceMs?: number;
  onChange?: (change: WorkflowChange) => void;
  /** A reload failed or the watcher broke; the catalog in place keeps serving. */
  onError?: (error: Error) => void;
}

export interface WorkflowRegistry {
  /** The catalog in place: a snapshot that a reload replaces whole and never modifies. */
  catalog(): WorkflowCatalog;
  /** Reads the folder again; resolves when a load started after this call is in place. */
  reload(): Promise<void>;
  /** Stops watching and waits for a load in progress. */
  stop(): Promise<void>;
}

/** The changes between two catalogs, by workflow name. */
function workflowChanges(before: WorkflowCatalog, after: WorkflowCatalog): WorkflowChange[] {
  const changes: WorkflowChange[] = [];
  for (const [name, old] of before.workflows) {
    if (!after.workflows.has(name)) {
      changes.push({ kind: 'removed', workflow: name, file: old.file, hash: old.hash });
    }
  }
  for (const [name, now] of after.workflows) {
    const old = before.workflows.get(name);
    if (old === undefined) {
      changes.push({ kind: 'loaded', workflow: name, file: now.file, hash: now.hash });
    } else if (old.hash !== now.hash || old.file !== now.file) {
      changes.push({
        kind: 'changed',
        workflow: name,
        file: now.file,
        hash: now.hash,
        previousHash: old.hash,
      });
    }
  }
  return changes;
}

type ManifestFiles = Awaited<ReturnType<typeof readManifestFiles>>;

/**
 * The files `after` refuses, each keyed by its text's hash and problems, and the refusals not
 * reported before (a refusal is reported once per version).
 */
function refusals(files: ManifestFiles, after: WorkflowCatalog, before: Map<string, string>) {
  const refused = new Map<string, string>();
  const rejections: WorkflowChange[] = [];
  for (const { file, source } of files) {
    const problems = after.problems.filter((problem) => problem.file === file);
    if (problems.length === 0) continue;
    const hash = source === undefined ? undefined : manifestHash(source);
    const key = `${hash}\n${JSON.stringify(problems)}`;
    refused.set(file, key);
    if (before.get(file) === key) continue;
    const serving = [...after.workflows.values()].find((loaded) => loaded.file === file);
    rejections.push({
      kind: 'rejected',
      file,
      hash,
      problems,
      ...(serving ? { workflow: serving.manifest.name, servingHash: serving.hash } : {}),
    });
  }
  return { refused, rejections };
}

/**
 * Runs `load` one at a time; a request during a load runs one more load after it. The promise
 * settles when a load started after the request is done, with the last load's failure.
 */
function oneLoadAtATime(load: () => Promise<void>) {
  let loading: Promise<void> | undefined;
  let loadAgain = false;
  const loadUntilSettled = async () => {
    let failure: unknown;
    try {
      while (loadAgain) {
        loadAgain = false;
        failure = await load().then(
          () => undefined,
          (error: unknown) => error ?? new Error('load failed'),
        );
      }
    } finally {
      loading = undefined;
    }
    if (failure !== undefined) throw failure;
  };
  return {
    reload(): Promise<void> {
      loadAgain = true;
      loading ??= loadUntilSettled();
      return loading;
    },
    /** The load in progress, if any, to wait for. */
    inProgress: () => loading,
  };
}

/** Calls `changed` `debounceMs` after the first event in `dir`; returns how to stop watching. */
function watchFolder(
  dir: string,
  debounceMs: number,
  changed: () => void,
  reportError: (error: unknown) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    // Any event rereads the whole folder: which file an event names, and whether an editor's
    // save shows up as `change` or as `rename`, then stop mattering.
    watcher = watch(dir, () => {
      if (stopped || timer) return;
      // Counted from the first event, not reset by later ones: a folder that never goes quiet
      // still reloads.
      timer = setTimeout(() => {
        timer = undefined;
        changed();
      }, debounceMs);
    });
    watcher.on('error', reportError);
  } catch (error) {
    const reason = (error as Error).message;
    reportError(
      new Error(`cannot watch ${dir}, manifests load only at start: ${reason}`, { cause: error }),
    );
  }
  return () => {
    stopped = true;
    clearTimeout(timer);
    watcher?.close();
  };
}

/**
 * Loads every manifest of a folder and, unless told not to, keeps the catalog in step with it.
 * A refused file never takes a valid one down: a file that was valid and breaks keeps serving its
 * last good version, and its problems are reported until it is fixed or deleted.
 * @throws when the folder cannot be read at start
 */
export async function startWorkflowRegistry(
  options: WorkflowRegistryOptions,
): Promise<WorkflowRegistry> {
  const { dir, debounceMs = 100 } = options;
  const reportError = (error: unknown) =>
    options.onError?.(error instanceof Error ? error : new Error(String(error)));
  const emit = (change: WorkflowChange) => {
    try {
      options.onChange?.(change);
    } catch (error) {
      reportError(error);
    }
  };
  let current: WorkflowCatalog = { workflows: new Map(), problems: [] };
  let refusedBefore = new Map<string, string>();
  const loads = oneLoadAtATime(async () => {
    const files = await readManifestFiles(dir);
    const before = current;
    const served = new Map([...before.workflows.values()].map((loaded) => [loaded.file, loaded]));
    const after = assembleCatalog(
      files.map((read) => ({ ...read, lastGood: served.get(read.file) })),
      before,
    );
    const { refused, rejections } = refusals(files, after, refusedBefore);
    // The one assignment callers can observe: they see the old catalog or the new one, whole.
    current = after;
    refusedBefore = refused;
    for (const change of [...workflowChanges(before, after), ...rejections]) emit(change);
  });
  const stopWatching =
    (options.watch ?? true)
      ? watchFolder(dir, debounceMs, () => loads.reload().catch(reportError), reportError)
      : () => undefined;
  const stop = async () => {
    stopWatching();
    await loads.inProgress()?.catch(() => undefined);
  };
  try {
    await loads.reload();
  } catch (error) {
    await stop();
    throw error;
  }
  return { catalog: () => current, reload: loads.reload, stop };
}
