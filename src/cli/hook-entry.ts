/**
 * `countersign hook …` alone, as bin.ts runs it: the command line with only the hook command, so
 * that a hook loads in a tenth of the time the whole CLI takes.
 */
import { addHookCommand } from './hook-command';
import { newProgram } from './program';

// Whatever goes wrong, exit 2, which blocks the call: exit 1 would let Claude Code run it.
const block = (error: unknown) => {
  process.stderr.write(`countersign hook: failed: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(2);
};
process.on('uncaughtException', block);
process.on('unhandledRejection', block);

const program = newProgram();
addHookCommand(program);
program.parseAsync(process.argv).catch(block);
