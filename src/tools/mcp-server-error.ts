/** Why an MCP server could not be used. */
export type McpServerErrorCode =
  /** The program could not be started (not found, not executable, bad working directory). */
  | 'MCP_SPAWN_FAILED'
  /** It started, then exited before it had answered `initialize` and listed its tools. */
  | 'MCP_EXITED'
  /** It did not answer `initialize` and list its tools within the start timeout. */
  | 'MCP_START_TIMEOUT'
  /** It answered, but not as an MCP server should (bad initialize result, bad tool list). */
  | 'MCP_PROTOCOL'
  /** The caller's signal aborted the start (the worker is shutting down). */
  | 'MCP_ABORTED';

/**
 * An MCP server failed to start. The message names the server and the reason, and ends with
 * the tail of what the server wrote to stderr, which is usually where it says why.
 */
export class McpServerError extends Error {
  override readonly name = 'McpServerError';

  constructor(
    readonly serverName: string,
    readonly code: McpServerErrorCode,
    readonly reason: string,
    /** The last lines the server wrote to stderr ('' if none). */
    readonly stderrTail: string,
  ) {
    super(
      `MCP server "${serverName}": ${reason}${stderrTail ? `\nits stderr ended with:\n${stderrTail}` : ''}`,
    );
  }
}
