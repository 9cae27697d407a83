import { callTarget } from '../workflows/call-target';
import { renderTemplate } from '../workflows/template';
import { gateToolCall, resumeToolCall } from './call-tool';
import {
  type AgentModel,
  ModelError,
  type ModelReply,
  RunInterruptedError,
  type ToolSession,
} from './ports';
import {
  type AgentContentBlock,
  type AgentMessage,
  messageText,
  type RunRecord,
  RunStatus,
  type StepRecord,
  StepStatus,
  templateInputs,
  usageOf,
} from './run';
import { type RunAttempt, runningTimeMs } from './run-attempt';

/** Output tokens asked for in one model request, at most. */
const MAX_TOKENS_PER_TURN = 8192;

type ToolUseBlock = Extract<AgentContentBlock, { type: 'tool_use' }>;

const isToolUse = (block: AgentContentBlock): block is ToolUseBlock =>
  block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string';

/**
 * An agent run: a manual tool-use loop over the model. The transcript is saved after every model
 * turn and every round of tool results, so any worker resumes the run from where it stands; each
 * tool_use goes through the same gate as a runbook step. Budgets (turns, tool calls, tokens, wall
 * clock with approval waits excluded) end the run as `budget_exhausted`.
 */
export async function carryAgent(carrier: RunAttempt, session: ToolSession): Promise<RunRecord> {
  const agent = carrier.run.manifest.agent;
  if (agent === undefined) throw new Error(`run ${carrier.run.id} is not an agent run`);
  const model = carrier.deps.model;
  if (model === undefined) {
    return carrier.finish(RunStatus.Failed, {
      error: 'agent workflows need ANTHROPIC_API_KEY, which this worker does not have',
    });
  }
  if ((carrier.run.transcript ?? []).length === 0) {
    await carrier.saveAgentProgress({ messages: [openingMessage(carrier.run)] });
  }
  for (;;) {
    const last = (carrier.run.transcript ?? []).at(-1) as AgentMessage;
    const ended =
      last.role === 'assistant'
        ? await answerModelTurn(carrier, session, agent, last)
        : await takeModelTurn(carrier, session, agent, model);
    if (ended !== GO_ON) return ended;
  }
}

/** The loop goes on: the transcript grew by a turn. */
const GO_ON = Symbol('go on');

type AgentSpec = NonNullable<RunRecord['manifest']['agent']>;

/**
 * After the model's turn: the run ends (its answer, a refusal, a cut-off), waits for an approval,
 * or the results of its tool calls are saved for the next turn. Decided from what is stored, so a
 * resumed attempt decides the same.
 */
async function answerModelTurn(
  carrier: RunAttempt,
  session: ToolSession,
  agent: AgentSpec,
  last: AgentMessage,
): Promise<RunRecord | typeof GO_ON> {
  const stop = carrier.run.lastStopReason;
  if (stop === 'refusal') {
    const said = messageText(last);
    return carrier.finish(RunStatus.Failed, {
      error: `the model declined to go on${said ? `: ${said}` : ''}`,
    });
  }
  if (stop === 'max_tokens') return cutOff(carrier, agent);
  const uses = last.content.filter(isToolUse);
  if (uses.length === 0) {
    return carrier.finish(RunStatus.Succeeded, { result: messageText(last) || '(no answer)' });
  }
  for (const use of uses) {
    const step = await settleToolUse(carrier, session, use);
    if (step === 'exhausted') {
      return carrier.finish(RunStatus.BudgetExhausted, {
        error: `stopped: the run used all ${agent.max_tool_calls} tool calls it may make (max_tool_calls)`,
      });
    }
    if ('interrupted' in step) {
      return carrier.outcomeUnknown(
        step.interrupted,
        `the call of ${use.name} was interrupted while executing; it is not repeated automatically`,
      );
    }
    if (step.status === StepStatus.AwaitingApproval) return carrier.awaitApproval();
  }
  await carrier.saveAgentProgress({ messages: [toolResults(carrier.run, uses)] });
  return GO_ON;
}

/** The model's answer was cut short: a tool_use cut off mid-way may hold half its arguments. */
function cutOff(carrier: RunAttempt, agent: AgentSpec): Promise<RunRecord> {
  const usage = usageOf(carrier.run);
  const left = agent.max_tokens - usage.inputTokens - usage.outputTokens;
  return left < MAX_TOKENS_PER_TURN
    ? carrier.finish(RunStatus.BudgetExhausted, {
        error: `stopped: the run's token budget (max_tokens ${agent.max_tokens}) cut the model's answer short`,
      })
    : carrier.finish(RunStatus.Failed, {
        error: `the model's answer was cut off at ${MAX_TOKENS_PER_TURN} output tokens`,
      });
}

/** Which budget the run has spent, if any: turns, tokens, or its time (approval waits excluded). */
function spentBudget(run: RunRecord, agent: AgentSpec, now: Date): string | undefined {
  const usage = usageOf(run);
  const spent = usage.inputTokens + usage.outputTokens;
  if (usage.turns >= agent.max_turns) {
    return `made all ${agent.max_turns} model requests it may make (max_turns)`;
  }
  if (spent >= agent.max_tokens)
    return `used ${spent} of its ${agent.max_tokens} tokens (max_tokens)`;
  if (runningTimeMs(run, now) >= agent.timeout) {
    return `ran out of time: ${Math.round(agent.timeout / 1000)}s (timeout)`;
  }
  return undefined;
}

/** Asks the model for its next turn, within the budgets left, and saves its answer. */
async function takeModelTurn(
  carrier: RunAttempt,
  session: ToolSession,
  agent: AgentSpec,
  model: AgentModel,
): Promise<RunRecord | typeof GO_ON> {
  const { deps, run } = carrier;
  const now = deps.clock();
  const exhausted = spentBudget(run, agent, now);
  if (exhausted !== undefined) {
    return carrier.finish(RunStatus.BudgetExhausted, { error: `stopped: the run ${exhausted}` });
  }
  const usage = usageOf(run);
  const timeout = AbortSignal.timeout(agent.timeout - runningTimeMs(run, now));
  const signal = carrier.attempt.signal
    ? AbortSignal.any([carrier.attempt.signal, timeout])
    : timeout;
  let reply: ModelReply;
  try {
    reply = await model.respond(
      {
        model: agent.model ?? deps.defaultModel,
        system: renderTemplate(agent.instructions, { inputs: templateInputs(run) }),
        tools: session.tools,
        messages: run.transcript ?? [],
        maxTokens: Math.min(
          MAX_TOKENS_PER_TURN,
          agent.max_tokens - usage.inputTokens - usage.outputTokens,
        ),
      },
      signal,
    );
  } catch (error) {
    if (carrier.attempt.signal?.aborted) {
      throw new RunInterruptedError('the model call was interrupted');
    }
    if (timeout.aborted) {
      return carrier.finish(RunStatus.BudgetExhausted, {
        error: `stopped: the run ran out of time waiting for the model: ${Math.round(agent.timeout / 1000)}s (timeout)`,
      });
    }
    if (!(error instanceof ModelError)) throw error;
    return carrier.finish(RunStatus.Failed, { error: `the model API failed: ${error.message}` });
  }
  await carrier.saveAgentProgress({
    messages: [reply.message],
    usage: { turns: 1, ...reply.usage },
    stopReason: reply.stopReason ?? 'unknown',
  });
  return GO_ON;
}

/** The first user message: what was asked, with the inputs. */
function openingMessage(run: RunRecord): AgentMessage {
  const inputs = Object.keys(run.inputs).length ? `\nInputs: ${JSON.stringify(run.inputs)}` : '';
  return {
    role: 'user',
    content: [
      {
        type: 'text',
        text: `Carry out the workflow "${run.workflow}", requested by Slack user ${run.requester.userId}.${inputs}`,
      },
    ],
  };
}

/**
 * Brings one tool_use of the model to an end (or to a wait for approval): gated and run if it is
 * new, run if it was approved, left alone if it ended already.
 */
async function settleToolUse(
  carrier: RunAttempt,
  session: ToolSession,
  use: ToolUseBlock,
): Promise<StepRecord | 'exhausted' | { interrupted: StepRecord }> {
  const { run } = carrier;
  const known = run.steps.find((step) => step.toolUseId === use.id);
  if (known !== undefined) return resumeToolCall(carrier, session, known);
  if (run.steps.length >= (run.manifest.agent?.max_tool_calls ?? 0)) return 'exhausted';
  const index = run.steps.reduce((next, step) => Math.max(next, step.index + 1), 0);
  const tool = session.find(use.name);
  const isObject = use.input !== null && typeof use.input === 'object' && !Array.isArray(use.input);
  const args = isObject ? (use.input as Record<string, unknown>) : {};
  const target =
    tool === undefined
      ? // Not a tool of this workflow: the policy denies it by name.
        { tool: use.name }
      : { ...callTarget(tool), inputSchema: tool.inputSchema };
  return gateToolCall(carrier, session, {
    index,
    ...target,
    args,
    toolUseId: use.id,
    ...(isObject
      ? {}
      : { argsProblem: `the arguments must be an object, not ${JSON.stringify(use.input)}` }),
  });
}

/** The user message answering every tool_use of the model's last turn. */
function toolResults(run: RunRecord, uses: readonly ToolUseBlock[]): AgentMessage {
  return {
    role: 'user',
    content: uses.map((use) => {
      const step = run.steps.find((candidate) => candidate.toolUseId === use.id);
      const ok = step?.status === StepStatus.Succeeded || step?.status === StepStatus.Simulated;
      const text = (ok ? step?.output : step?.error) ?? 'no result';
      return {
        type: 'tool_result',
        tool_use_id: use.id,
        content: text === '' ? '(no output)' : text,
        ...(ok ? {} : { is_error: true }),
      };
    }),
  };
}
