/** Raised when a workflow needs secrets the store does not hold; names them, never a value. */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';

  constructor(
    /** The names no variable and no file entry gave a value for. */
    readonly missing: readonly string[],
    /** `COUNTERSIGN_SECRETS_FILE`, if set. */
    file: string | undefined,
  ) {
    const variables = missing.map((name) => `COUNTERSIGN_SECRET_${name}`).join(', ');
    const where = file === undefined ? 'COUNTERSIGN_SECRETS_FILE is not set' : `nor in ${file}`;
    super(
      `${missing.length === 1 ? 'secret' : 'secrets'} ${missing.join(', ')} not set: no ${variables} variable, ${where}`,
    );
  }
}
