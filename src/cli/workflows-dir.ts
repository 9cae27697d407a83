import { stat } from 'node:fs/promises';

/** Which folder of manifests a command reads, and the setting that chose it (for its errors). */
export interface WorkflowsDir {
  dir: string;
  /** `--dir /x`, `WORKFLOWS_DIR=/x`, or the default. */
  setting: string;
}

/** `--dir` wins over WORKFLOWS_DIR, which wins over ./workflows. */
export function chooseWorkflowsDir(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): WorkflowsDir {
  if (option !== undefined) return { dir: option, setting: `--dir ${option}` };
  const fromEnv = env.WORKFLOWS_DIR;
  if (fromEnv) return { dir: fromEnv, setting: `WORKFLOWS_DIR=${fromEnv}` };
  return { dir: './workflows', setting: './workflows (WORKFLOWS_DIR is unset)' };
}

/** Why the folder cannot be read as one of manifests, in one line naming its setting; else undefined. */
export async function workflowsDirProblem(choice: WorkflowsDir): Promise<string | undefined> {
  try {
    const info = await stat(choice.dir);
    return info.isDirectory() ? undefined : `${choice.setting}: not a directory`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${choice.setting}: no such directory`;
    return `${choice.setting}: cannot be read (${code ?? (error as Error).message})`;
  }
}
