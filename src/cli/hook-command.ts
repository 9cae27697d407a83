/**
 * `countersign hook …`: the hooks an outside agent's client runs before each tool call. Defined
 * here, apart from the other commands, so that bin.ts can run it without loading the rest of the
 * CLI (the service, the stores): a hook starts for every tool call.
 */
import type { Command } from 'commander';
import { answerClaudeCodeHook, claudeCodeSettingsFor } from './hook-claude-code';
import { writeStdout } from './program';

export function addHookCommand(program: Command): void {
  const hook = program
    .command('hook')
    .description(
      "a hook for an outside agent's client: decides each tool call through the gateway",
    );
  hook
    .command('claude-code')
    .description(
      "Claude Code's command hook: reads the hook input on stdin, prints Countersign's decision; exits 2 (blocking the call) on any failure. Needs COUNTERSIGN_URL and COUNTERSIGN_TOKEN",
    )
    .option(
      '--headless',
      'a call still pending is deferred (for claude -p --resume) rather than denied',
    )
    .option(
      '--print-settings',
      "print the .claude/settings.json hooks block for the token's workflow, and the managed-settings variant",
    )
    .option('--url <url>', 'the Countersign server (default: COUNTERSIGN_URL)')
    .option(
      '--deadline <seconds>',
      "the hook's own deadline: past it the call is blocked; keep it under the hook's timeout",
      '55',
    )
    .action(runClaudeCodeHook);
}

interface ClaudeCodeHookOptions {
  headless?: boolean;
  printSettings?: boolean;
  url?: string;
  deadline: string;
}

/** Answers one hook call (or prints the settings): stdout and exit 0, or one line and exit 2. */
async function runClaudeCodeHook(options: ClaudeCodeHookOptions): Promise<void> {
  const deadline = Number(options.deadline);
  if (!Number.isFinite(deadline) || deadline <= 0) {
    process.stderr.write(
      `countersign: --deadline must be a number of seconds, not ${options.deadline}\n`,
    );
    process.exit(2);
  }
  const hookOptions = {
    url: options.url ?? process.env.COUNTERSIGN_URL,
    token: process.env.COUNTERSIGN_TOKEN,
    headless: options.headless === true,
    deadlineMs: deadline * 1000,
  };
  try {
    const result = options.printSettings
      ? await claudeCodeSettingsFor(hookOptions)
      : await answerClaudeCodeHook(hookOptions, await readStdin());
    if (result.code === 0) await writeStdout(withNewline(result.stdout));
    if (result.stderr) process.stderr.write(withNewline(result.stderr));
    process.exitCode = result.code;
  } catch (error) {
    // Exit 1 would let the call run (Claude Code reads it as a non-blocking error): 2 blocks it.
    process.stderr.write(`countersign hook: failed: ${(error as Error).message}\n`);
    process.exitCode = 2;
  }
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Everything on stdin, as text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
