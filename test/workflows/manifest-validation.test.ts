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

const lowTool = `tools:
  - name: t
    risk: low
    input_schema: { type: object, properties: { x: { type: string } }, required: [x] }
    command: { argv: [echo, "{{args.x}}"] }
`;

describe('a manifest with the wrong shape', () => {
  it('names an unknown key where it is written, with a did-you-mean', () => {
    expect(
      problemsOf(`name: demo
descripton: typo
steps: [{ tool: t, with: { x: "1" } }]
${lowTool}`),
    ).toEqual(['2:1  descripton  unknown key "descripton" (did you mean "description"?)']);
  });

  it('finds unknown keys deep inside a tool and an input, and offers nothing for a far-off word', () => {
    expect(
      problemsOf(`name: demo
inputs:
  service: { type: string, requird: true }
steps: [{ tool: t }]
tools:
  - name: t
    risk: low
    http:
      method: GET
      url: https://ops.example.com/health
      colour: blue
      tiemout: 5s
`),
    ).toEqual([
      '3:28  inputs.service.requird  unknown key "requird" (did you mean "required"?)',
      '11:7  tools.0.http.colour  unknown key "colour"',
      '12:7  tools.0.http.tiemout  unknown key "tiemout" (did you mean "timeout"?)',
    ]);
  });

  it('points a missing field at the key that should hold it', () => {
    expect(
      problemsOf(`name: demo
steps: [{ tool: t }]
tools:
  - name: t
    risk: low
    http:
      url: https://ops.example.com/health
`),
    ).toEqual(['6:5  tools.0.http.method  is required']);
  });

  it('reports wrong types and values in words an admin reads', () => {
    expect(
      problemsOf(`name: demo
inputs:
  count: { type: nmber }
  env: { type: enum, values: [] }
steps: { tool: t }
tools:
  - name: t
    risk: medium
    command: { argv: [echo], timeout: 10 }
`),
    ).toEqual([
      '3:18  inputs.count.type  must be one of string, number, boolean, enum',
      '4:22  inputs.env.values  needs at least 1 item(s)',
      '5:1  steps  must be a list, not a mapping',
      '8:11  tools.0.risk  must be one of low, high',
      '9:39  tools.0.command.timeout  must be a duration like 90s, 30m, 2h or 1h30m',
    ]);
  });

  it('reports the tool kind the author meant, or that a tool has two kinds', () => {
    expect(
      problemsOf(`name: demo
steps: [{ tool: a }]
tools:
  - name: a
    risk: low
    http: { methd: GET, url: "https://x.example" }
  - name: b
    risk: low
    http: { method: GET, url: "https://x.example" }
    command: { argv: [ls] }
`),
    ).toEqual([
      '6:5  tools.0.http.method  is required',
      '6:13  tools.0.http.methd  unknown key "methd" (did you mean "method"?)',
      '7:5  tools.1  a tool needs exactly one of `command`, `http` or `mcp`',
    ]);
  });

  it('suggests the tool kind a misspelt key meant', () => {
    expect(
      problemsOf(`name: demo
agent: { instructions: go }
tools:
  - name: t
    risk: low
    htp: { method: GET, url: "https://x.example" }
`),
    ).toEqual([
      '4:5  tools.0  a tool needs exactly one of `command`, `http` or `mcp`',
      '6:5  tools.0.htp  unknown key "htp" (did you mean "http"?)',
    ]);
  });

  it('names an input whose name breaks the rules, and shortens a long wrong value', () => {
    expect(
      problemsOf(`name: demo
inputs:
  Service: { type: string }
agent: { instructions: go }
description: [${'x'.repeat(200)}]
`),
    ).toEqual([
      '3:3  inputs.Service  is not a valid name: input names are lowercase letters, digits and _',
      `5:1  description  must be text, not a list`,
    ]);
    expect(
      problemsOf(`name: demo\nagent: { instructions: go }\nsteps: "${'y'.repeat(200)}"\n`),
    ).toEqual([`3:8  steps  must be a list, not string "${'y'.repeat(49)}…`]);
  });

  it('refuses a huge file and caps the problems of one file', () => {
    expect(problemsOf(`name: demo\ndescription: "${'x'.repeat(600 * 1024)}"\n`)).toEqual([
      '1:1  is 600 KB; a manifest may be at most 512 KB',
    ]);
    const many = Array.from({ length: 80 }, (_, i) => `  unknown_${i}: 1`).join('\n');
    const problems = problemsOf(`name: demo\nagent:\n  instructions: go\n${many}\n`);
    expect(problems).toHaveLength(51);
    expect(problems.at(-1)).toBe('1:1  …and 30 more problem(s) not shown');
  });

  it('lets tools share settings through YAML anchors and merge keys', () => {
    expect(
      manifestOf(`name: demo
agent: { instructions: go }
tools:
  - &base { name: a, risk: low, command: { argv: [ls], timeout: 5s } }
  - { <<: *base, name: b }
`).tools,
    ).toMatchObject([
      { name: 'a', command: { timeout: 5_000 } },
      { name: 'b', command: { timeout: 5_000 } },
    ]);
  });

  it('bounds durations', () => {
    expect(
      problemsOf(`name: demo
agent: { instructions: go, timeout: 2d }
approval: { approvers: { users: [U0LEAD] }, timeout: 0s }
`),
    ).toEqual([
      '2:37  agent.timeout  must be at most 24h',
      '3:54  approval.timeout  must be longer than 0',
    ]);
    expect(
      manifestOf(`name: demo
agent: { instructions: go, timeout: 1h30m }
approval: { approvers: { users: [U0LEAD] }, timeout: 90s, remind_after: 30s }
`),
    ).toMatchObject({
      agent: { timeout: 5_400_000 },
      approval: { timeout: 90_000, remind_after: 30_000 },
    });
  });

  it('reports YAML syntax errors at their line and column', () => {
    expect(problemsOf('name: demo\nname: again\n')).toEqual(['2:1  YAML: Map keys must be unique']);
    expect(problemsOf('name: demo\n\tsteps: []\n')).toEqual([
      '2:1  YAML: Tabs are not allowed as indentation',
    ]);
    expect(problemsOf('')).toEqual([
      '1:1  is empty: a manifest is a YAML mapping with at least name, tools and agent or steps',
    ]);
    expect(problemsOf('- just\n- a list\n')).toEqual(['1:1  must be a mapping, not a list']);
  });
});

describe('every problem in one pass', () => {
  it('a wrong value does not hide a cross-check elsewhere: `risk: hihg` and a `servce` argument at once', () => {
    expect(
      problemsOf(`name: scale
inputs:
  service: { type: string }
steps:
  - tool: scale
    with: { servce: "{{inputs.service}}" }
tools:
  - name: scale
    risk: hihg
    input_schema: { type: object, properties: { service: { type: string } } }
    command: { argv: [echo, "{{args.service}}"] }
`),
    ).toEqual([
      '6:13  steps.0.with.servce  tool "scale" takes no argument "servce" (did you mean "service"?)',
      '9:11  tools.0.risk  must be one of low, high',
    ]);
  });

  it('an unknown key does not hide a cross-check either, even inside the approval block', () => {
    expect(
      problemsOf(`name: demo
agent: { instructions: "Check {{inputs.servce}}" }
inputs: { service: { type: string } }
approval: { approvers: { users: [U0LEAD] }, remindafter: 5m }
`),
    ).toEqual([
      '2:24  agent.instructions  {{inputs.servce}} names no input of this workflow (did you mean "service"?)',
      '4:45  approval.remindafter  unknown key "remindafter" (did you mean "remind_after"?)',
    ]);
  });

  it('leaves out the cross-checks that would judge by a refused field, rather than mislead', () => {
    // Without its approval block the tool would look unapproved; without its input a step's
    // placeholder would look wrong: neither is said until the refused field is fixed.
    expect(
      problemsOf(`name: demo
inputs: { env: { type: strng } }
steps: [{ tool: t, with: { x: "{{inputs.env}}" } }]
tools:
  - name: t
    input_schema: { type: object, properties: { x: { type: string } } }
    command: { argv: [echo, "{{args.x}}"] }
approval: { approvers: { users: [U0LEAD] }, timeout: forever }
`),
    ).toEqual([
      '2:24  inputs.env.type  must be one of string, number, boolean, enum',
      '8:54  approval.timeout  must be a duration like 90s, 30m, 2h or 1h30m',
    ]);
  });
});

describe('the cross-checks between fields', () => {
  it('a step names a defined tool and passes exactly its arguments', () => {
    expect(
      problemsOf(`name: demo
steps:
  - tool: tt
  - tool: t
    with: { y: "1" }
${lowTool}`),
    ).toEqual([
      '3:11  steps.0.tool  names no tool of this workflow (did you mean "t"?)',
      '5:5  steps.1.with  is missing "x", which tool "t" requires',
      '5:13  steps.1.with.y  tool "t" takes no argument "y" (did you mean "x"?)',
    ]);
  });

  it('{{inputs.x}} names a declared input', () => {
    expect(
      problemsOf(`name: demo
inputs: { service: { type: string } }
agent: { instructions: "Check {{inputs.servce}} and {{inputs.zone}}" }
`),
    ).toEqual([
      '3:24  agent.instructions  {{inputs.servce}} names no input of this workflow (did you mean "service"?)',
      '3:24  agent.instructions  {{inputs.zone}} names no input of this workflow (inputs: service)',
    ]);
  });

  it('{{args.x}} names a property of its own tool, and only inside a tool definition', () => {
    expect(
      problemsOf(`name: demo
steps: [{ tool: t, with: { x: "{{args.x}}" } }]
tools:
  - name: t
    risk: low
    input_schema: { type: object, properties: { x: { type: string } } }
    command: { argv: [echo, "{{args.y}}"] }
  - name: bare
    risk: low
    command: { argv: [echo, "{{args.x}}"] }
`),
    ).toEqual([
      "2:31  steps.0.with.x  {{args.x}}: arguments have values only inside a tool's http or command definition",
      '7:29  tools.0.command.argv.1  {{args.y}} names no property of this tool\'s input_schema (did you mean "x"?)',
      '10:29  tools.1.command.argv.1  {{args.x}}: this tool has no input_schema properties, so it takes no arguments',
    ]);
  });

  it("{{secrets.X}} is declared and appears only in a tool's http, command or server definition", () => {
    expect(
      problemsOf(`name: demo
secrets: [OPS_TOKEN]
agent:
  instructions: "Use {{secrets.OPS_TOKEN}}"
tools:
  - name: t
    description: "token {{secrets.OPS_TOKEN}}"
    risk: low
    http:
      method: GET
      url: https://ops.example.com/health
      headers: { Authorization: "Bearer {{secrets.OPS_TOKN}}", X-Ok: "{{secrets.OPS_TOKEN}}" }
  - mcp: github
    server: { command: npx, env: { TOKEN: "{{secrets.OPS_TOKEN}}" } }
    risk: { default: low }
`),
    ).toEqual([
      "4:17  agent.instructions  {{secrets.OPS_TOKEN}}: secrets may appear only inside a tool's http, command or server definition; here the value would reach the model, Slack or the record",
      "7:18  tools.0.description  {{secrets.OPS_TOKEN}}: secrets may appear only inside a tool's http, command or server definition; here the value would reach the model, Slack or the record",
      '12:33  tools.0.http.headers.Authorization  {{secrets.OPS_TOKN}} names a secret that is not declared in `secrets` (did you mean "OPS_TOKEN"?)',
    ]);
  });

  it("a secret in a step's arguments is refused", () => {
    expect(
      problemsOf(`name: demo
secrets: [OPS_TOKEN]
steps: [{ tool: t, with: { x: "{{secrets.OPS_TOKEN}}" } }]
${lowTool}`),
    ).toEqual([
      "3:31  steps.0.with.x  {{secrets.OPS_TOKEN}}: secrets may appear only inside a tool's http, command or server definition; here the value would reach the model, Slack or the record",
    ]);
  });

  it('a malformed placeholder or an unknown scope is named', () => {
    expect(
      problemsOf(`name: demo
inputs: { service: { type: string } }
agent: { instructions: "Check {{service}} and {{input.service}}" }
`),
    ).toEqual([
      '3:24  agent.instructions  "{{service}}" is not a placeholder; write {{inputs.name}}, {{args.name}} or {{secrets.NAME}}',
      '3:24  agent.instructions  {{input.service}} uses an unknown scope "input" (inputs, args or secrets) (did you mean "inputs"?)',
    ]);
  });

  it('a high-risk tool needs an approval block, whether its risk is written or defaulted', () => {
    expect(
      problemsOf(`name: demo
agent: { instructions: go }
tools:
  - name: restart
    risk: high
    command: { argv: [restart] }
  - name: implicit
    command: { argv: [restart] }
  - mcp: github
    server: { command: npx }
`),
    ).toEqual([
      '5:11  tools.0.risk  "restart" is high risk (a tool is, unless marked `risk: low`), so the workflow needs an `approval` block saying who approves its calls',
      '7:5  tools.1.risk  "implicit" is high risk (a tool is, unless marked `risk: low`), so the workflow needs an `approval` block saying who approves its calls',
      '9:5  tools.2.risk  "github" is high risk (a tool is, unless marked `risk: low`), so the workflow needs an `approval` block saying who approves its calls',
    ]);
  });

  it('an http tool names its host outright and a command its program', () => {
    expect(
      problemsOf(`name: demo
agent: { instructions: go }
tools:
  - name: fetch
    risk: low
    input_schema: { type: object, properties: { host: { type: string } } }
    http: { method: GET, url: "https://{{args.host}}/health" }
  - name: relative
    risk: low
    http: { method: GET, url: "/health" }
  - name: run
    risk: low
    input_schema: { type: object, properties: { program: { type: string } } }
    command: { argv: ["{{args.program}}"] }
`),
    ).toEqual([
      '7:31  tools.0.http.url  must name its host outright: placeholders may appear only after the host (path, query)',
      '10:31  tools.1.http.url  must be an absolute http:// or https:// URL',
      '14:23  tools.2.command.argv.0  must be written out; placeholders are not allowed in the program',
    ]);
  });

  it('an http tool sends no credentials in its URL, fixes its Host header, and gives a GET no body', () => {
    expect(
      problemsOf(`name: demo
agent: { instructions: go }
tools:
  - name: get
    risk: low
    input_schema: { type: object, properties: { vhost: { type: string } } }
    http:
      method: GET
      url: "https://admin:hunter2@ops.example.com/health"
      headers: { Host: "{{args.vhost}}.internal" }
      body: { verbose: true }
`),
    ).toEqual([
      '9:12  tools.0.http.url  must not hold a user name or password: send credentials in a header',
      '10:24  tools.0.http.headers.Host  must be written out: the Host header chooses the server',
      '11:7  tools.0.http.body  a GET request has no body: use POST, PUT or PATCH, or put the values in the URL',
    ]);
  });

  it('a command or MCP server cannot have its program chosen by a value: cwd and PATH-like variables are written out', () => {
    expect(
      problemsOf(`name: demo
inputs: { dir: { type: string } }
agent: { instructions: go }
tools:
  - name: t
    risk: low
    input_schema: { type: object, properties: { d: { type: string } } }
    command:
      argv: [./deploy.sh]
      cwd: "{{args.d}}"
      env: { PATH: "/opt/{{args.d}}", LD_PRELOAD: "{{inputs.dir}}", TARGET: "{{args.d}}" }
  - mcp: files
    server: { command: "{{inputs.dir}}/server", env: { NODE_OPTIONS: "{{inputs.dir}}" } }
    risk: { default: low }
`),
    ).toEqual([
      '10:12  tools.0.command.cwd  must be written out: the working directory decides which program a relative path runs',
      '11:20  tools.0.command.env.PATH  must be written out: PATH decides which code the program loads',
      '11:51  tools.0.command.env.LD_PRELOAD  must be written out: LD_PRELOAD decides which code the program loads',
      '13:24  tools.1.server.command  must be written out; placeholders are not allowed in the program',
      '13:70  tools.1.server.env.NODE_OPTIONS  must be written out: NODE_OPTIONS decides which code the program loads',
    ]);
  });

  it('placeholders in keys are refused: keys are never filled in', () => {
    expect(
      problemsOf(`name: demo
secrets: [TOKEN]
agent: { instructions: go }
tools:
  - name: t
    risk: low
    http: { method: GET, url: "https://x.example", headers: { "X-{{secrets.TOKEN}}": "1" } }
`),
    ).toEqual([
      '7:63  tools.0.http.headers.X-{{secrets.TOKEN}}  placeholders are not filled in keys; only values take them',
    ]);
  });

  it('an input_schema is a valid JSON Schema of an object', () => {
    expect(
      problemsOf(`name: demo
agent: { instructions: go }
tools:
  - name: a
    risk: low
    input_schema: { type: string }
    command: { argv: [ls] }
  - name: b
    risk: low
    input_schema: { type: object, properties: { x: { type: strin } } }
    command: { argv: [ls] }
  - name: c
    risk: low
    input_schema: { type: object, requird: [x] }
    command: { argv: [ls] }
`),
    ).toEqual([
      '6:27  tools.0.input_schema.type  must be "object": tools take named arguments',
      expect.stringMatching(
        /^10:5 {2}tools\.1\.input_schema {2}is not a valid JSON Schema: .*type/,
      ),
      '14:5  tools.2.input_schema  is not a valid JSON Schema: strict mode: unknown keyword: "requird"',
    ]);
  });

  it('an input pattern must be matchable in linear time: no lookarounds or backreferences', () => {
    expect(
      problemsOf(`name: demo
inputs:
  a: { type: string, pattern: "^(?!prod).*$" }
  b: { type: string, pattern: "^(x)\\\\1$" }
agent: { instructions: go }
`),
    ).toEqual([
      '3:31  inputs.a.pattern  is not a usable pattern: invalid or unsupported Perl syntax: `(?!` (patterns use RE2 syntax: no lookarounds or backreferences)',
      '4:31  inputs.b.pattern  is not a usable pattern: invalid escape sequence: `\\1` (patterns use RE2 syntax: no lookarounds or backreferences)',
    ]);
  });

  it('an input_schema may use formats, untyped bounds and an $id, and stays valid when parsed again', () => {
    const source = `name: demo
agent: { instructions: go }
tools:
  - name: open
    risk: low
    input_schema:
      $id: https://example.com/open-args
      type: object
      properties: { url: { type: string, format: uri }, count: { minimum: 1 } }
    command: { argv: [echo, "{{args.url}}"] }
`;
    expect(problemsOf(source)).toEqual([]);
    // A reload parses every file again; the $id must not collide with its own earlier parse.
    expect(problemsOf(source)).toEqual([]);
    expect(problemsOf(source.replace('format: uri', 'format: hostnme'))).toEqual([
      '6:5  tools.0.input_schema  is not a valid JSON Schema: unknown format "hostnme" ignored in schema at path "#/properties/url"',
    ]);
  });

  it('an input default fits its input, and min is not above max', () => {
    expect(
      problemsOf(`name: demo
inputs:
  env: { type: enum, values: [staging, production], default: prod }
  count: { type: number, min: 5, max: 2 }
  name: { type: string, pattern: "^[a-z]+$", default: Ada }
  zone: { type: string, pattern: "([a-z" }
agent: { instructions: go }
`),
    ).toEqual([
      '3:62  inputs.env.default  does not fit: env must be one of staging, production',
      '4:39  inputs.count.max  is less than min (5)',
      '5:55  inputs.name.default  does not fit: name must match ^[a-z]+$',
      '6:34  inputs.zone.pattern  is not a usable pattern: missing closing ]: `[a-z` (patterns use RE2 syntax: no lookarounds or backreferences)',
    ]);
  });

  it('an approval can be met, and its reminder comes before its timeout', () => {
    expect(
      problemsOf(`name: demo
agent: { instructions: go }
approval:
  approvers: { users: [U0LEAD, U0LEAD] }
  required: 2
  timeout: 10m
  remind_after: 10m
`),
    ).toEqual([
      '5:13  approval.required  needs 2 distinct approvers but only 1 is listed',
      '7:17  approval.remind_after  must be shorter than the timeout (10m), or the reminder never comes',
    ]);
    expect(
      problemsOf(`name: demo
agent: { instructions: go }
approval: { approvers: {}, escalate_to: { usergroups: [S0ONCALL] } }
`),
    ).toEqual([
      '3:13  approval.approvers  names nobody: list users or usergroups',
      '3:28  approval.escalate_to  needs remind_after: escalation happens halfway between the reminder and the timeout',
    ]);
  });

  it('an access block lets somebody in', () => {
    expect(
      problemsOf(`name: demo
access: { users: [] }
agent: { instructions: go }
`),
    ).toEqual([
      '2:1  access  lets nobody start the workflow; list users, usergroups or channels, or leave `access` out to let everyone',
    ]);
  });

  it('tool and MCP server names are unique', () => {
    expect(
      problemsOf(`name: demo
agent: { instructions: go }
tools:
  - { name: t, risk: low, command: { argv: [ls] } }
  - { name: t, risk: low, command: { argv: [ls] } }
  - { mcp: t, server: { command: npx }, risk: { default: low } }
`),
    ).toEqual([
      '5:13  tools.1.name  "t" is defined twice',
      '6:12  tools.2.mcp  "t" is defined twice',
    ]);
  });
});

describe('a complete manifest', () => {
  it('parses the example of DESIGN.md, every field typed', () => {
    const manifest = manifestOf(`name: restart-service
description: Restart a service after checking its health
access: { users: [U0123ABCD], usergroups: [S0SRE], channels: [C0OPS] }
inputs:
  service: { type: string, required: true, pattern: "^[a-z][a-z0-9-]*$", description: Service name }
  env: { type: enum, values: [staging, production], default: staging }
secrets: [OPS_API_TOKEN]
agent:
  model: claude-sonnet-4-5
  instructions: Check the health of {{inputs.service}} in {{inputs.env}}; restart it if unhealthy.
  max_turns: 12
tools:
  - name: get_health
    description: Get the health of a service
    risk: low
    input_schema: { type: object, properties: { service: { type: string } }, required: [service] }
    http:
      method: GET
      url: https://ops.example.com/services/{{args.service}}/health
      headers: { Authorization: "Bearer {{secrets.OPS_API_TOKEN}}" }
  - name: run_script
    risk: high
    input_schema: { type: object, properties: { service: { type: string } }, required: [service] }
    command: { argv: [./scripts/restart.sh, "{{args.service}}"], env: { TOKEN: "{{secrets.OPS_API_TOKEN}}" }, timeout: 60s }
  - mcp: github
    server: { command: npx, args: [-y, some-mcp-server], env: { GITHUB_TOKEN: "{{secrets.OPS_API_TOKEN}}" } }
    risk: { default: high, low: ["get_*", "list_*"], deny: ["delete_*"] }
approval:
  approvers: { users: [U0LEAD], usergroups: [S0SRE] }
  required: 1
  allow_self_approval: false
  channel: C0APPROVALS
  timeout: 30m
  on_timeout: expire
  remind_after: 10m
  escalate_to: { usergroups: [S0ONCALL] }
`);
    expect(manifest.agent).toEqual({
      model: 'claude-sonnet-4-5',
      instructions: expect.stringContaining('{{inputs.service}}'),
      max_turns: 12,
      max_tool_calls: 25,
      max_tokens: 200_000,
      timeout: 900_000,
    });
    expect(manifest.tools[1]).toMatchObject({ command: { timeout: 60_000 } });
    expect(manifest.tools[2]).toMatchObject({
      mcp: 'github',
      server: { args: ['-y', 'some-mcp-server'] },
    });
    expect(manifest.approval).toMatchObject({ timeout: 1_800_000, remind_after: 600_000 });
  });
});
