/**
 * `countersign hook …` alone, as bin.ts runs it: the command line with only the hook command, so
 * that a hook loads in a tenth of the time the whole CLI takes.
 */
import { addHookCommand } from './hook-command';
import { newProgram } from './program';

const program = newProgram();
addHookCommand(program);
program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`countersign hook: ${(error as Error).message}\n`);
  process.exit(2);
});
