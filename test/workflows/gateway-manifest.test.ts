import { formatProblem, parseManifest } from '../../src/workflows/load-workflows';

/** Each problem of a manifest source as `line:col  path  message`. */
function problemsOf(source: string): string[] {
  const result = parseManifest('m.yaml', source);
  if (!('problems' in result)) return [];
  return result.problems.map((problem) => formatProblem(problem).replace(/^m\.yaml:/, ''));
}

function manifestOf(source: string) {
  const result = parseManifest('m.yaml', source);
  if ('problems' in result) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.workflow.manifest;
}

const approval = `approval:
  approvers: { users: [U0LEAD] }
  channel: C0APPROVALS
`;

describe('a gateway workflow', () => {
  it('is valid with only a gateway block and an approval channel, and takes the defaults', () => {
    const manifest = manifestOf(`name: claude
gateway:
  risk:
    low: [Read, "Bash(npm test:*)"]
${approval}`);
    expect(manifest.gateway).toEqual({
      risk: { default: 'high', low: ['Read', 'Bash(npm test:*)'] },
      wait: 50_000,
    });
  });

  it('points at each rule that cannot be read or can match nothing, with the parser’s reason', () => {
    expect(
      problemsOf(`name: claude
gateway:
  risk:
    default: deny
    low:
      - Read
      - "Bash(npm test:*)"
      - "Glob(src/**)"
    high: ["bash(git push:*)"]
    deny:
      - "Read(/etc/passwd)"
      - "Edit()"
${approval}`),
    ).toEqual([
      '8:9  gateway.risk.low.2  Glob takes no specifier, so Glob(src/**) matches nothing: Read(…) rules cover Glob, Grep and LS',
      '9:12  gateway.risk.high.0  unknown tool "bash": tool names are case-sensitive (did you mean "Bash"?)',
      '11:9  gateway.risk.deny.0  Read(/etc/passwd): /path is relative to a settings file in Claude Code; write //path for an absolute path or ./path for one in the session directory',
      '12:9  gateway.risk.deny.1  Edit() is empty and matches nothing: write Edit alone',
    ]);
  });

  it('refuses the same rule in two lists, naming both places', () => {
    expect(
      problemsOf(`name: claude
gateway:
  risk:
    low: [Read, "Bash(git push:*)"]
    deny: ["Bash(git push:*)"]
    high: [" Read "]
${approval}`),
    ).toEqual([
      '5:12  gateway.risk.deny.0  "Bash(git push:*)" is also at gateway.risk.low.1: a rule belongs in one place',
      '6:12  gateway.risk.high.0  "Read" is also at gateway.risk.low.0: a rule belongs in one place',
    ]);
  });

  it('has no tools, inputs or secrets, and no channels in access', () => {
    expect(
      problemsOf(`name: claude
access: { users: [U0DEV], channels: [C0DEV] }
inputs: { env: { type: string } }
secrets: [OPS_TOKEN]
gateway: { risk: { default: deny, low: [Read] } }
tools: [{ name: t, risk: low, command: { argv: [echo] } }]
`),
    ).toEqual([
      '2:27  access.channels  means nothing for a gateway workflow: its tokens are used outside Slack, in no channel; list users or usergroups',
      '3:1  inputs  a gateway workflow takes no inputs: it is never started, only used through tokens',
      '4:1  secrets  a gateway workflow has no secrets: it has no tools to inject them into',
      "6:1  tools  a gateway workflow has no tools of its own: the calls it governs are the outside agent's",
    ]);
  });

  it('an empty access lets nobody use it', () => {
    expect(
      problemsOf(`name: claude
access: {}
gateway: { risk: { default: deny } }
`),
    ).toEqual([
      '2:1  access  lets nobody use the workflow; list users or usergroups, or leave `access` out to let everyone',
    ]);
  });

  it('whose calls can need approval needs an approval block with a channel, as no run thread holds its cards', () => {
    expect(problemsOf('name: claude\ngateway: { wait: 30s }\n')).toEqual([
      '2:1  gateway.risk  a call no rule matches needs approval (`risk.default` is high unless written otherwise), so the workflow needs an `approval` block with approvers and a `channel` for the cards',
    ]);
    expect(
      problemsOf(`name: claude
gateway: { risk: { default: deny, high: ["Bash(git push:*)"] } }
approval: { approvers: { users: [U0LEAD] } }
`),
    ).toEqual([
      '3:1  approval  needs a `channel` for the cards: its `high` rules need approval, and a gateway workflow has no run thread to post them in',
    ]);
    expect(
      problemsOf(`name: claude
gateway: { risk: { default: low, deny: ["Bash(rm -rf:*)"] } }
`),
    ).toEqual([
      '2:12  gateway.risk  even under `risk.default: low`, a shell command Countersign cannot read with certainty needs approval, so the workflow needs an `approval` block with approvers and a `channel` for the cards',
    ]);
    expect(problemsOf('name: claude\ngateway: { risk: { default: deny, low: [Read] } }\n')).toEqual(
      [],
    );
  });

  it('bounds its wait and its grants', () => {
    expect(
      problemsOf(`name: claude
gateway: { risk: { default: deny }, wait: 11m, grants: { max: 2d } }
`),
    ).toEqual([
      '2:43  gateway.wait  must be at most 10m',
      '2:63  gateway.grants.max  must be at most 24h',
    ]);
  });

  it('is one body: with agent or steps as well, that is the one problem', () => {
    expect(
      problemsOf(`name: claude
agent: { instructions: go }
gateway: { risk: { default: deny } }
`),
    ).toEqual(['1:1  needs exactly one of `agent`, `steps` or `gateway`']);
  });

  it('holds no placeholders in its rules', () => {
    expect(
      problemsOf(`name: claude
gateway: { risk: { default: deny, low: ["Bash(echo {{inputs.x}})"] } }
`),
    ).toEqual([
      '2:41  gateway.risk.low.0  {{inputs.x}} is not filled in here; placeholders are filled in only in agent.instructions, steps[].with and the http, command or server definition of a tool',
    ]);
  });
});
