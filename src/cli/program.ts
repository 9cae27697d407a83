import { Command, type CommanderError } from 'commander';

/**
 * A `countersign` command line: exit 2 for every usage error, the parser's as the commands' own
 * (exit 1 is a finding), told in one line as the commands' own errors are.
 */
export function newProgram(): Command {
  return (
    new Command()
      .name('countersign')
      .exitOverride((error: CommanderError) => process.exit(error.exitCode === 0 ? 0 : 2))
      // `countersign: <problem> (add --help for usage)`.
      .configureOutput({
        outputError: (text, write) =>
          write(`${text.trimEnd().replace(/^error: /, 'countersign: ')} (add --help for usage)\n`),
      })
  );
}

/** Writes to stdout, resolving when it can take more (a slow pipe slows the reading down). */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', resolve);
  });
}
