import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { runRefusalText } from '../../src/slack/listeners/commands/run-workflow';
import { USAGE } from '../../src/slack/listeners/commands/usage';
import { bindInputs, InputError, usageLine } from '../../src/workflows/bind-inputs';
import { CommandLineError, splitWords } from '../../src/workflows/command-line';
import { parseManifest } from '../../src/workflows/load-workflows';

/** Fixed, so a failure reproduces; fast-check prints the seed and the shrunk case. */
const SEED = 20_260_707;
const RUNS = 300;

const MANIFEST_DIRS = ['../../workflows', '../fixtures/workflows', '../fixtures/access-workflows'];
const MANIFESTS = MANIFEST_DIRS.flatMap((dir) => {
  const full = path.join(__dirname, dir);
  return readdirSync(full)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => ({ file, text: readFileSync(path.join(full, file), 'utf8') }));
});

/** Slack's limit on a message's text (a slash command's ephemeral answer is cut to fit). */
const SLACK_TEXT_LIMIT = 3000;

/** Never throws; either a workflow, or problems each at a line and column inside the text. */
function expectLocatedOutcome(source: string): void {
  const parsed = parseManifest('fuzz.yaml', source);
  if ('workflow' in parsed) {
    expect(parsed.workflow.manifest.name).toMatch(/^[a-z][a-z0-9-]{1,62}$/);
    return;
  }
  expect(parsed.problems.length).toBeGreaterThan(0);
  const lines = source.split('\n');
  for (const problem of parsed.problems) {
    expect(problem.message.trim()).not.toBe('');
    expect(Number.isInteger(problem.line) && Number.isInteger(problem.col)).toBe(true);
    expect(problem.line).toBeGreaterThanOrEqual(1);
    expect(problem.col).toBeGreaterThanOrEqual(1);
    expect(problem.line).toBeLessThanOrEqual(Math.max(lines.length, 1));
    expect(problem.col).toBeLessThanOrEqual((lines[problem.line - 1] ?? '').length + 1);
  }
}

/** Text that stresses YAML and the manifest rules: indentation, flow syntax, unicode, controls. */
const yamlish = fc
  .array(
    fc.constantFrom(
      ...' \t\r\n\n\nabcnmxyz0123456789:{}[],-"\'#&*!|>%@`?=.\\\u0001\u0085\u2028é😀\ufeff',
      '\ud83d',
      '  ',
      'name: ',
      'tools:',
      '- ',
    ),
    { maxLength: 300 },
  )
  .map((parts) => parts.join(''));
const oddChars = fc.constantFrom(
  '\u0000',
  '\t',
  '\r',
  '\u2028',
  '\ufeff',
  '\ud83d',
  '🙂',
  ':',
  '- ',
  '{',
  '"',
  '&a',
  '*a',
  '<<: *a',
  '{{args.x}}',
  '{{secrets.X}}',
  '!!binary',
  '~',
);

type Mutation = (lines: string[]) => string[];
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((n) => (lines: string[]) => lines.filter((_, i) => i !== n % lines.length)),
  fc.nat().map((n) => (lines: string[]) => {
    const i = n % lines.length;
    return [...lines.slice(0, i + 1), lines[i] ?? '', ...lines.slice(i + 1)];
  }),
  fc.tuple(fc.nat(), fc.nat(), oddChars).map(([n, at, text]) => (lines: string[]) => {
    const i = n % lines.length;
    const line = lines[i] ?? '';
    const cut = at % (line.length + 1);
    return lines.map((l, j) => (j === i ? line.slice(0, cut) + text + line.slice(cut) : l));
  }),
  fc.tuple(fc.nat(), fc.constantFrom('true', '7', '[]', '{}', 'null', '"x"', '- a', '')).map(
    ([n, value]) =>
      (lines: string[]) =>
        lines.map((line, j) =>
          j === n % lines.length ? line.replace(/:\s.*$/, `: ${value}`) : line,
        ),
  ),
  fc.tuple(fc.nat(), fc.integer({ min: -4, max: 4 })).map(
    ([n, shift]) =>
      (lines: string[]) =>
        lines.map((line, j) =>
          j === n % lines.length
            ? shift > 0
              ? ' '.repeat(shift) + line
              : line.slice(Math.min(-shift, line.length - line.trimStart().length))
            : line,
        ),
  ),
);

describe('the manifest parser never crashes and always locates its problems', () => {
  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), yamlish), (text) =>
        expectLocatedOutcome(text),
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('on the shipped and fixture manifests, mutated line by line', () => {
    expect(MANIFESTS.length).toBeGreaterThan(5);
    fc.assert(
      fc.property(
        fc.constantFrom(...MANIFESTS),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        ({ text }, mutations) => {
          const lines = mutations.reduce((current, mutate) => mutate(current), text.split('\n'));
          expectLocatedOutcome(lines.join('\n'));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

const HELLO = parseManifest(
  'hello.yaml',
  readFileSync(path.join(__dirname, '../../workflows/hello.yaml'), 'utf8'),
);
const RESTART = parseManifest(
  'restart-service.yaml',
  readFileSync(path.join(__dirname, '../../workflows/restart-service.yaml'), 'utf8'),
);

const commandText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom('"', "'", '\\', '“', '”', '‘', '’', '=', ' ', '\n', '\t', '<!channel>'),
        fc.constantFrom('name', 'greeting', 'service', 'env', 'reason', 'constructor', '__proto__'),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join('')),
);

describe('the slash-command parsers never crash, and their answers fit Slack', () => {
  it('splitWords returns words or throws a CommandLineError, nothing else', () => {
    fc.assert(
      fc.property(commandText, (text) => {
        try {
          const words = splitWords(text);
          for (const word of words) expect(typeof word).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(CommandLineError);
          const answer = `Cannot read that command: ${(error as Error).message}.\n${USAGE}`;
          expect(answer.length).toBeLessThanOrEqual(SLACK_TEXT_LIMIT);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('bindInputs returns typed values or throws an InputError whose answer fits in a message', () => {
    const workflows = [HELLO, RESTART].map((parsed) => {
      if (!('workflow' in parsed)) throw new Error('a shipped manifest no longer loads');
      return parsed.workflow.manifest;
    });
    fc.assert(
      fc.property(fc.constantFrom(...workflows), commandText, (manifest, text) => {
        let words: string[];
        try {
          words = splitWords(text);
        } catch (error) {
          expect(error).toBeInstanceOf(CommandLineError);
          return;
        }
        try {
          const values = bindInputs(manifest, words);
          for (const [name, value] of Object.entries(values)) {
            expect(Object.hasOwn(manifest.inputs, name)).toBe(true);
            expect(['string', 'number', 'boolean']).toContain(typeof value);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
          const problems = (error as InputError).problems;
          expect(problems.length).toBeGreaterThan(0);
          const answer = runRefusalText({
            ok: false,
            reason: 'bad_inputs',
            workflow: manifest.name,
            problems,
            usage: usageLine(manifest),
          });
          expect(answer.length).toBeLessThanOrEqual(SLACK_TEXT_LIMIT);
          expect(answer).not.toMatch(/<[!@#]/);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
