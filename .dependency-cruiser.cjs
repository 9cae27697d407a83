/**
 * The dependency rules of src/, checked by test/architecture.test.ts (and `npx depcruise src`).
 * The rule that folder dependencies run one way only is checked in that test, from the graph
 * dependency-cruiser reports: it is a property of the folder graph, not of one import.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const CORE = '^src/(shared|workflows|audit|policy|approvals|runs|gateway)/';
const TRANSPORTS = [
  '(^|/)node_modules/(@slack/|bullmq/|ioredis/|mongoose/|prom-client/|@anthropic-ai/)',
  '^src/(slack|queue|store|agent)/',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle of imports, type-only ones included: one of its files belongs elsewhere.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-without-transports',
      severity: 'error',
      comment:
        'The core (policy, decisions, runs, the audit chain) talks to Slack, BullMQ, Redis, MongoDB and the model only through its ports.',
      from: { path: CORE },
      to: { path: TRANSPORTS },
    },
    {
      name: 'shared-at-the-bottom',
      severity: 'error',
      comment: 'src/shared holds primitives every folder may use; it uses none of them.',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'entry-points-on-top',
      severity: 'error',
      comment:
        'bin.ts picks the command line, main.ts and service.ts compose the parts; no part reaches back up to them.',
      from: { path: '^src/', pathNot: '^src/(main|bin)\\.ts$' },
      to: { path: '^src/(main|bin|service)\\.ts$' },
    },
    {
      name: 'composition-on-top',
      severity: 'error',
      comment: 'src/compose holds the pieces service.ts starts; only service.ts starts them.',
      from: { path: '^src/', pathNot: '^src/(service\\.ts$|compose/)' },
      to: { path: '^src/compose/' },
    },
    {
      name: 'resolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a cycle through types is still a cycle for a reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
