import { bindInputs, type InputError, usageLine } from '../../src/workflows/bind-inputs';
import { manifestSchema } from '../../src/workflows/manifest';

const raw = {
  name: 'deploy-api',
  inputs: {
    service: { type: 'string', required: true, pattern: '^[a-z][a-z0-9-]*$' },
    env: { type: 'enum', values: ['staging', 'production'], default: 'staging' },
    replicas: { type: 'number', min: 1, max: 10 },
    dry: { type: 'boolean', default: false },
  },
  steps: [{ tool: 't' }],
  tools: [{ name: 't', risk: 'low', command: { argv: ['true'] } }],
};
const manifest = manifestSchema.parse(raw);

function problems(words: string[]): string[] {
  try {
    bindInputs(manifest, words);
  } catch (error) {
    return (error as InputError).problems;
  }
  throw new Error('expected an InputError');
}

describe('binding name=value words to a workflow inputs', () => {
  it('coerces types and applies defaults', () => {
    expect(bindInputs(manifest, ['service=api', 'replicas=3', 'dry=yes'])).toEqual({
      service: 'api',
      env: 'staging',
      replicas: 3,
      dry: true,
    });
  });

  it('matches a pattern that backtracks badly in JavaScript without stalling (RE2 semantics)', () => {
    const hosts = manifestSchema.parse({
      ...raw,
      inputs: { host: { type: 'string', pattern: '^([a-z0-9]+\\.?)+$' } },
    });
    // With JavaScript's RegExp this value takes longer than the age of the universe.
    expect(() => bindInputs(hosts, [`host=${'a'.repeat(4000)}!`])).toThrow(
      'host must match ^([a-z0-9]+\\.?)+$',
    );
    expect(bindInputs(hosts, ['host=api.example.com'])).toEqual({ host: 'api.example.com' });
  });

  it('keeps an `=` inside a value', () => {
    const withEquals = manifestSchema.parse({ ...raw, inputs: { q: { type: 'string' } } });
    expect(bindInputs(withEquals, ['q=a=b'])).toEqual({ q: 'a=b' });
  });

  it('reports every problem at once', () => {
    expect(
      problems(['service=Bad Name', 'env=prod', 'replicas=0', 'dry=maybe', 'x=1', 'oops']),
    ).toEqual([
      'service must match ^[a-z][a-z0-9-]*$',
      'env must be one of staging, production',
      'replicas must be at least 1',
      'dry must be true or false',
      'unknown input "x" (inputs: service, env, replicas, dry)',
      '"oops" is not name=value',
    ]);
  });

  it('treats names inherited by every JavaScript object as unknown inputs', () => {
    expect(problems(['service=a', 'constructor=x', 'toString=y', '__proto__=z'])).toEqual([
      'unknown input "constructor" (inputs: service, env, replicas, dry)',
      'unknown input "toString" (inputs: service, env, replicas, dry)',
      'unknown input "__proto__" (inputs: service, env, replicas, dry)',
    ]);
  });

  it('requires required inputs and refuses a name given twice', () => {
    expect(problems(['replicas=abc'])).toEqual([
      'replicas must be a number',
      'service is required',
    ]);
    expect(problems(['service=a', 'service=b'])).toEqual(['service is given twice']);
  });

  it('prints a usage line with required and optional inputs', () => {
    expect(usageLine(manifest)).toBe(
      '/countersign run deploy-api service=<string> [env=staging|production] [replicas=<number>] [dry=<boolean>]',
    );
  });
});
