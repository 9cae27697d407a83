import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json';

/**
 * One tool call of an outside agent, in no client's shapes: the adapters (Claude Code's hook, the
 * MCP endpoint, the decision API) turn their requests into this.
 */
export interface OutsideCall {
  /** Which adapter asked: `claude-code`. */
  client: string;
  /** The client's session: grants and "the same call again" are per session. */
  sessionId: string;
  tool: string;
  /** The tool's input, as the client sent it (a JSON object). */
  input: Record<string, unknown>;
  /** The session's working directory (relative paths and commands are read against it). */
  cwd?: string;
  /**
   * The client's home directory, where the client says it. Claude Code does not: `~/` rules are
   * then read as under any directory for deny and high rules, and match nothing for low rules and
   * grants (gateway/path-pattern.ts).
   */
  home?: string;
}

/**
 * What is approved: this token's session calling this tool with this exact input, in this working
 * directory (`rm -rf build` is another call elsewhere), under this version of the workflow (an
 * approval given under a policy since changed allows nothing: the call is asked about anew).
 * Presenting the same call again (a retry, a re-fired hook) gives the same hash, whatever ids the
 * client added.
 */
export function callHashOf(
  workflow: { name: string; hash: string },
  tokenId: string,
  call: OutsideCall,
): string {
  // A session id is only unique with its token: two people's clients may reuse one.
  const text = canonicalJson([
    workflow.name,
    workflow.hash,
    tokenId,
    call.sessionId,
    call.cwd ?? null,
    call.tool,
    call.input,
  ]);
  return createHash('sha256').update(text).digest('hex');
}

/** A call's id, which is also its approval's: its hash (shortened) and its generation. */
export function callIdOf(callHash: string, generation: number): string {
  return `gw_${callHash.slice(0, 32)}.${generation}`;
}

const CALL_ID = /^gw_[0-9a-f]{32}\.(0|[1-9][0-9]{0,8})$/;

/** Whether `text` is shaped like an id {@link callIdOf} makes (it may still name no call). */
export function isCallId(text: string): boolean {
  return CALL_ID.test(text);
}
