/** Raised when `COUNTERSIGN_SECRETS_FILE` cannot be read or is not a map of names to strings. */
export class SecretsFileError extends Error {
  override readonly name = 'SecretsFileError';

  constructor(
    readonly file: string,
    /** 1-based, where the problem is known. */
    readonly line: number | undefined,
    problem: string,
  ) {
    // The message names the file, the line and the key; it never quotes the file's text.
    super(`COUNTERSIGN_SECRETS_FILE ${file}${line === undefined ? '' : `:${line}`}: ${problem}`);
  }
}
