import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { runCountersign } from './support/countersign-cli';
import { codeSpans, headingAnchors, linkTargets, shellCommands } from './support/markdown';
import { TEST_AUDIT_HMAC_KEY } from './support/test-env';

const root = path.join(__dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** The front door and the manual: README.md and every page of docs/. */
const pages = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/**
 * Every command the docs' shell blocks give, and what runs it: `ranBy` is CI's script or a test
 * file, and `proof` the text in it that runs the command (or, where noted, checks what it makes).
 * A command added to a doc without an entry here fails; so does an entry no doc uses any more.
 */
const EXERCISED: Record<string, { ranBy: string; proof: string }> = {
  'cp .env.example .env': {
    ranBy: 'test/readme.test.ts',
    proof: "copyFileSync(path.join(root, '.env.example'), path.join(dir, '.env'))",
  },
  // CI has no Docker: what `up` starts, the compose file's images and health checks, is checked.
  'docker compose up --build': {
    ranBy: 'test/packaging.test.ts',
    proof: "describe('docker-compose.yml'",
  },
  'npm ci': { ranBy: '.ci/run', proof: 'npm ci --no-audit --no-fund' },
  'npm test': { ranBy: '.ci/run', proof: '\n    npm test || status=$?\n' },
  'npm run build': { ranBy: '.ci/run', proof: '\nnpm run build\n' },
  'npm run lint': { ranBy: '.ci/run', proof: '\nnpm run lint\n' },
  'npm run typecheck': { ranBy: '.ci/run', proof: '\nnpm run typecheck\n' },
  // The committed output is compared with what the script writes, function for function.
  'npm run schema': {
    ranBy: 'test/workflows/manifest-json-schema.test.ts',
    proof: 'is committed as generated from the zod schema (run `npm run schema`',
  },
  'countersign run --dry-run claude-code --call Bash --input \'{"command":"git push origin main"}\'':
    {
      ranBy: 'test/cli/gateway-dry-run.test.ts',
      proof: "it('answers the call docs/workflows.md tries",
    },
  'npm run docs:manifest': {
    ranBy: 'test/workflows/manifest-docs.test.ts',
    proof:
      'is committed as generated from the schema and the template (run `npm run docs:manifest`)',
  },
  'export SLACK_SIGNING_SECRET=your-signing-secret SLACK_BOT_TOKEN=xoxb-your-bot-token': {
    ranBy: 'test/readme.test.ts',
    proof: "shellBlockAfter('### Without Docker')",
  },
  'export REDIS_URL=redis://127.0.0.1:6379 MONGODB_URI=mongodb://127.0.0.1:27017/countersign': {
    ranBy: 'test/readme.test.ts',
    proof: "shellBlockAfter('### Without Docker')",
  },
  'export AUDIT_HMAC_KEY=$(openssl rand -hex 32)': {
    ranBy: 'test/readme.test.ts',
    proof: "shellBlockAfter('### Without Docker')",
  },
  'npm run dev': {
    ranBy: 'test/scripts/dev.test.ts',
    proof: "startInTerminal('npm', ['run', '--silent', 'dev']",
  },
  'npx tsx scripts/services.ts up': {
    ranBy: 'test/scripts/dev.test.ts',
    proof: "['tsx', 'scripts/services.ts', 'up']",
  },
  'npx tsx scripts/services.ts install': {
    ranBy: '.ci/run',
    proof: '\nnpx tsx scripts/services.ts install\n',
  },
  'node dist/main.js all': { ranBy: 'test/main.test.ts', proof: "countersign(['all']" },
  'countersign hook claude-code --print-settings > .claude/settings.json': {
    ranBy: 'test/cli/hook-claude-code.test.ts',
    proof: '// stdout is the settings file itself: `> .claude/settings.json` works.',
  },
  'countersign audit verify': {
    ranBy: 'test/cli/audit.test.ts',
    proof: "runCountersign(['audit', 'verify']",
  },
  'countersign token create coding --user U0123ABCD --label laptop': {
    ranBy: 'test/cli/token.test.ts',
    proof: "token('create', 'coding', '--user', 'U0ADA', '--label', 'laptop')",
  },
  'countersign token list --workflow coding': {
    ranBy: 'test/cli/token.test.ts',
    proof: "runCountersign(['token', 'list', '--workflow',",
  },
  'countersign token revoke tok_3f9a0c2b7d41': {
    ranBy: 'test/cli/token.test.ts',
    proof: "token('revoke', id)",
  },
  'countersign audit export --run r-7kq2m9xd': {
    ranBy: 'test/cli/audit.test.ts',
    proof: "seqs(['--run', 'r-aaaa2222'])",
  },
  'countersign audit export --since 2026-05-01 --until 2026-06-01 --format csv > may.csv': {
    ranBy: 'test/cli/audit.test.ts',
    proof: "exported(['--format', 'csv', '--until'",
  },
};

describe('the docs: README.md and docs/', () => {
  it('run every command of their shell blocks in a test or in CI', () => {
    const documented = new Set(
      pages.flatMap((page) => shellCommands(read(page))).filter((command) => !isValidate(command)),
    );
    expect([...documented].filter((command) => !(command in EXERCISED))).toEqual([]);
    expect(Object.keys(EXERCISED).filter((command) => !documented.has(command))).toEqual([]);
    for (const [command, { ranBy, proof }] of Object.entries(EXERCISED)) {
      expect({ command, runs: read(ranBy).includes(proof) }).toEqual({ command, runs: true });
    }
  });

  it('give `countersign validate` commands that pass on the shipped workflows', async () => {
    const validates = [
      ...new Set(pages.flatMap((page) => shellCommands(read(page))).filter(isValidate)),
    ];
    expect(validates.length).toBeGreaterThan(0);
    const results = await Promise.all(
      validates.map(async (command) => ({
        command,
        ...(await runCountersign(command.split(' ').slice(1), {})),
      })),
    );
    for (const result of results) {
      expect(result).toEqual({
        command: result.command,
        code: 0,
        stdout: expect.stringMatching(/manifest\(s\) checked: all valid\n$/),
        stderr: '',
      });
    }
  });

  it('link only to files that exist, and to headings those files have', () => {
    const broken = pages.flatMap((page) =>
      linkTargets(read(page))
        .filter((target) => !/^[a-z]+:/.test(target))
        .filter((target) => !resolves(page, target))
        .map((target) => `${page}: ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('name only npm scripts that package.json has', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
      .scripts;
    const named = pages.flatMap((page) =>
      [...read(page).matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1] ?? ''),
    );
    expect(named.length).toBeGreaterThan(0);
    expect([...new Set(named)].filter((name) => !(name in scripts))).toEqual([]);
  });

  it('name only countersign subcommands that exist', () => {
    const known = subcommands();
    // `countersign started` is the log line a process writes once it listens.
    const spans = pages.flatMap((page) =>
      codeSpans(read(page)).filter(
        (span) => /^countersign [a-z]/.test(span) && span !== 'countersign started',
      ),
    );
    expect(spans.length).toBeGreaterThan(0);
    const names = (span: string) =>
      known.some((name) => `${span} `.startsWith(`countersign ${name} `));
    expect(spans.filter((span) => !names(span))).toEqual([]);
  });

  it('name only measurements `npm run bench -- <name>` takes, and each of them', () => {
    const bench = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'no-such'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    expect(bench.status).toBe(2);
    const choices = /choose from: (.*)/.exec(bench.stderr)?.[1]?.split(', ') ?? [];
    expect(choices.length).toBeGreaterThan(0);
    const named = pages.flatMap((page) =>
      [...read(page).matchAll(/npm run bench -- (\w+)/g)].map((match) => match[1] ?? ''),
    );
    expect(named.filter((name) => !choices.includes(name))).toEqual([]);
    const performance = read('docs/performance.md');
    for (const name of choices) expect(performance).toContain(`\`${name}\``);
  });

  it('keep the README a front door', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(200);
  });
});

describe('the reference pages, against the code', () => {
  it('configuration.md lists every variable src/config.ts reads, and no other', () => {
    const documented = configurationRows().flatMap((row) => row.names);
    expect(new Set(documented)).toEqual(
      new Set([...configVariables(), 'COUNTERSIGN_SECRET_<NAME>']),
    );
  });

  it('configuration.md gives the defaults src/config.ts applies', () => {
    const config = loadConfig({
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_BOT_TOKEN: 'xoxb-docs',
      AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
    }) as unknown as Record<string, unknown>;
    for (const { names, defaults } of configurationRows()) {
      names.forEach((name, i) => {
        const written = defaults[i];
        // SLACK_API_URL's default is the Slack client's own, applied when the setting is unset.
        if (written === undefined || name === 'SLACK_API_URL') return;
        expect({ name, default: String(config[name]) }).toEqual({ name, default: written });
      });
    }
  });

  it('metrics.md names every metric src/observability/metrics.ts defines', () => {
    const defined = [...read('src/observability/metrics.ts').matchAll(/name: '(\w+)'/g)];
    expect(defined.length).toBeGreaterThan(0);
    const metrics = read('docs/metrics.md');
    for (const [, name] of defined) expect(metrics).toContain(`\`${name}\``);
  });

  it('audit.md names every event type src/audit/audit-event.ts defines', () => {
    const types = [...read('src/audit/audit-event.ts').matchAll(/'([a-z_]+\.[a-z_]+)'/g)];
    expect(types.length).toBeGreaterThan(20);
    const events = read('docs/audit.md').split('## Events')[1]?.split('\n## ')[0] ?? '';
    for (const [, type = ''] of types) {
      const short = type.slice(type.indexOf('.') + 1);
      expect({
        type,
        named: events.includes(`\`${type}\``) || events.includes(`\`${short}\``),
      }).toEqual({
        type,
        named: true,
      });
    }
  });

  it('cli.md names every countersign command src/main.ts defines', () => {
    const cli = read('docs/cli.md');
    for (const name of subcommands()) expect(cli).toContain(`\`countersign ${name}`);
  });
});

/** `countersign validate …` needs nothing but the files: this test runs each one the docs give. */
function isValidate(command: string): boolean {
  return command === 'countersign validate' || command.startsWith('countersign validate ');
}

/** Whether a link from `page` reaches an existing file, and the heading its `#anchor` names. */
function resolves(page: string, target: string): boolean {
  const [file = '', anchor] = target.split('#');
  const resolved = file === '' ? path.join(root, page) : path.join(root, path.dirname(page), file);
  if (!existsSync(resolved)) return false;
  if (anchor === undefined) return true;
  if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) return false;
  return headingAnchors(readFileSync(resolved, 'utf8')).has(anchor);
}

/** The commands of src/main.ts, an audit subcommand as `audit verify`. */
function subcommands(): string[] {
  // main.ts, and the hook command bin.ts runs apart (cli/hook-command.ts).
  const main = `${read('src/main.ts')}\n${read('src/cli/hook-command.ts')}`;
  // `program.command('x')`, or `group.command('x')` for a subcommand of a group (`audit verify`).
  return [...main.matchAll(/^\s*(program|[a-z]+)\s*\.command\('([a-z-]+)'\)/gm)].map(
    ([, on, name]) => (on === 'program' ? (name ?? '') : `${on} ${name}`),
  );
}

/** The variables src/config.ts's environment schema reads. */
function configVariables(): string[] {
  const config = read('src/config.ts');
  const schema = config.slice(config.indexOf('const envSchema = z.object({'));
  const body = schema.slice(0, schema.indexOf('\n});'));
  return [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1] ?? '');
}

/** The variables table of configuration.md: each row's names and its written defaults (`x`). */
function configurationRows(): { names: string[]; defaults: (string | undefined)[] }[] {
  const table = read('docs/configuration.md').split('\n## ')[0] ?? '';
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [, name = '', written = ''] = line.split('|').map((cell) => cell.trim());
      const names = [...name.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
      const values = written.split(' / ').map((cell) => /^`([^`]*)`$/.exec(cell)?.[1]);
      return { names, defaults: names.map((_, i) => values[i]) };
    });
}
